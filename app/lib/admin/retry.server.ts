/** The deliveries pages' "Retry": the form it sends, and what the merchant is told. */
import { z } from "zod";
import { pool } from "../../db.server.ts";
import { retryDeadLetters } from "../db/delivery-status.server.ts";
import { actionError, actionSuccess } from "./http.server.ts";

const MAX_IDS = 250;

export const retrySchema = z.object({
  intent: z.literal("retry", { error: 'intent must be "retry"' }),
  ids: z
    .union([z.string(), z.array(z.string())], { error: "Choose at least one delivery to retry" })
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .pipe(
      z
        .array(z.string().min(1, "A delivery id is empty").max(255, "A delivery id is too long"))
        .min(1, "Choose at least one delivery to retry")
        .max(MAX_IDS, `Retry at most ${MAX_IDS} deliveries at once`),
    ),
});

const deliveries = (count: number) => (count === 1 ? "1 delivery" : `${count} deliveries`);

export async function retryForShop(shopDomain: string, ids: string[]): Promise<Response> {
  const outcome = await retryDeadLetters(pool, shopDomain, ids);
  const details: string[] = [];
  if (outcome.notFound.length > 0) {
    details.push(
      `${deliveries(outcome.notFound.length)} ${outcome.notFound.length === 1 ? "is" : "are"} not this store's and ${outcome.notFound.length === 1 ? "was" : "were"} left alone: ${outcome.notFound.join(", ")}`,
    );
  }
  if (outcome.notDeadLetters.length > 0) {
    details.push(
      `${deliveries(outcome.notDeadLetters.length)} ${outcome.notDeadLetters.length === 1 ? "is" : "are"} not a dead letter, so there was nothing to retry: ${outcome.notDeadLetters.join(", ")}`,
    );
  }
  if (outcome.retried.length === 0) {
    return actionError(
      outcome.notFound.length > 0 ? 404 : 409,
      outcome.notFound.length > 0
        ? "Nothing was retried: no selected delivery is a dead letter of this store"
        : "Nothing was retried: no selected delivery is a dead letter",
      details,
    );
  }
  return actionSuccess(
    `Retrying ${deliveries(outcome.retried.length)}`,
    details.length ? details : undefined,
  );
}
