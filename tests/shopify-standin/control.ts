// The control API as JSON over HTTP under /_standin/… (the same operations as StandIn's methods),
// for the demo and for tests that drive the stand-in from another process.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BulkErrorCode, BulkMode } from "./bulk.ts";
import { HttpError, readJson, sendJson } from "./http-util.ts";
import type { BurstWeights, CustomerInput, OrderInput, OrderPatch } from "./mutations.ts";
import type { SeedShopOptions, SendWebhookInput, StandIn } from "./standin.ts";
import type { PayloadShapes } from "./shapes.ts";
import type { DeliveryFaults } from "./webhooks.ts";

type Body = Record<string, unknown>;

/** Payload shapes over JSON: `idOffset` travels as a decimal string (it exceeds 2^53). */
function shapesJson(shapes: PayloadShapes) {
  return { ...shapes, idOffset: shapes.idOffset?.toString() };
}

function shapesFrom(body: Body): PayloadShapes {
  const { idOffset, ...rest } = body as Omit<PayloadShapes, "idOffset"> & { idOffset?: unknown };
  if (idOffset === undefined || idOffset === null) return rest;
  if (typeof idOffset !== "string" || !/^\d+$/.test(idOffset))
    throw new HttpError(422, { error: "idOffset must be a decimal string" });
  return { ...rest, idOffset: BigInt(idOffset) };
}

function num(value: unknown, name: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw new HttpError(422, { error: `${name} must be a number` });
  return n;
}

export async function handleControl(
  standIn: StandIn,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "DELETE" ? {} : ((await readJson(req)) as Body);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const ok = (value: unknown, status = 200) => sendJson(res, status, value);
  // "/shops/acme/orders/12" → "/shops/:/orders/:"; a bulk action (5th part) is read separately.
  const pattern = parts
    .slice(0, 4)
    .map((p, i) => (parts[0] === "shops" && (i === 1 || i === 3) ? ":" : p));
  const extra = parts.length > 5 || (parts.length === 5 && parts[2] !== "bulk-operations");
  const route = extra ? "" : `${method} /${pattern.join("/")}`;
  const shop = parts[1] ?? "";
  const id = parts[3] ?? "";

  switch (route) {
    case "GET /health":
      return ok({ ok: true, url: standIn.url });
    case "GET /shops":
      return ok(standIn.listShops());
    case "POST /shops":
      return ok(await standIn.seedShop(body as unknown as SeedShopOptions), 201);
    case "GET /shops/:/ground-truth":
      return ok(standIn.groundTruth(shop));
    case "POST /shops/:/customers":
      return ok(standIn.createCustomer(shop, body as CustomerInput), 201);
    case "PATCH /shops/:/customers/:":
      return ok(standIn.updateCustomer(shop, id, body as CustomerInput));
    case "DELETE /shops/:/customers/:":
      standIn.deleteCustomer(shop, id);
      return ok({ deleted: id });
    case "POST /shops/:/orders":
      return ok(standIn.createOrder(shop, body as OrderInput), 201);
    case "PATCH /shops/:/orders/:":
      return ok(standIn.updateOrder(shop, id, body as OrderPatch));
    case "DELETE /shops/:/orders/:":
      standIn.deleteOrder(shop, id);
      return ok({ deleted: id });
    case "POST /shops/:/burst":
      return ok({
        changes: standIn.burst(shop, num(body.count, "count"), body.weights as BurstWeights),
      });
    case "GET /shops/:/payload-shapes":
      return ok(shapesJson(standIn.getPayloadShapes(shop)));
    case "PUT /shops/:/payload-shapes":
      return ok(shapesJson(standIn.setPayloadShapes(shop, shapesFrom(body))));
    case "GET /shops/:/faults":
      return ok(standIn.getFaults(shop));
    case "PUT /shops/:/faults":
      return ok(standIn.setFaults(shop, body as DeliveryFaults));
    case "POST /shops/:/webhooks":
      if (typeof body.topic !== "string") throw new HttpError(422, { error: "topic is required" });
      return ok(standIn.sendWebhook(shop, body as unknown as SendWebhookInput), 201);
    case "POST /shops/:/uninstall":
      return ok({ deliveries: standIn.uninstall(shop) });
    case "POST /shops/:/install":
      standIn.install(shop);
      return ok({ installed: true });
    case "POST /shops/:/compliance/:":
      if (id === "customers-data-request") {
        return ok({
          deliveries: standIn.sendCustomersDataRequest(shop, body as { customerId?: string }),
        });
      }
      if (id === "customers-redact") {
        return ok({
          deliveries: standIn.sendCustomersRedact(shop, body as { customerId?: string }),
        });
      }
      if (id === "shop-redact") return ok({ deliveries: standIn.sendShopRedact(shop) });
      break;
    case "POST /shops/:/session-token":
      return ok({ token: await standIn.sessionToken(shop) });
    case "POST /shops/:/access-token":
      return ok(standIn.issueAccessToken(shop, { expiring: body.expiring === true }), 201);
    case "GET /shops/:/throttle":
      return ok(standIn.throttleStatus(shop));
    case "PUT /shops/:/throttle":
      return ok(
        standIn.setThrottle(shop, body as { maximumAvailable?: number; restoreRate?: number }),
      );
    case "GET /shops/:/bulk-operations":
      return ok(standIn.bulkOperations(shop));
    case "POST /shops/:/bulk-operations/:": {
      const action = parts[4];
      if (action === "finish") return ok(await standIn.finishBulkOperation(shop, id));
      if (action === "fail") {
        return ok(
          await standIn.failBulkOperation(shop, id, body.errorCode as BulkErrorCode, {
            partialObjects:
              body.partialObjects === undefined
                ? undefined
                : num(body.partialObjects, "partialObjects"),
          }),
        );
      }
      if (action === "cancel") return ok(standIn.cancelBulkOperation(shop, id));
      if (action === "advance")
        return ok(await standIn.advanceBulkOperation(shop, id, num(body.objects, "objects")));
      if (action === "expire") return ok(await standIn.expireBulkOperation(shop, id));
      if (action === "forget") {
        await standIn.forgetBulkOperation(shop, id);
        return ok({ forgotten: id });
      }
      if (action === "wait") {
        const timeoutMs = body.timeoutMs === undefined ? 30_000 : num(body.timeoutMs, "timeoutMs");
        const result = await Promise.race([
          standIn.waitForBulkOperation(shop, id, body.statuses as string[] | undefined),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
        ]);
        if (result === null)
          throw new HttpError(408, { error: `bulk operation not finished after ${timeoutMs} ms` });
        return ok(result);
      }
      break;
    }
    case "PUT /bulk-mode":
      if (body.mode !== undefined) {
        standIn.setBulkMode(
          body.mode as BulkMode,
          typeof body.shop === "string" ? body.shop : undefined,
        );
      }
      if (body.objectsPerSecond !== undefined)
        standIn.setBulkRate(num(body.objectsPerSecond, "objectsPerSecond"));
      return ok({ ok: true });
    case "GET /deliveries":
      return ok(
        standIn.deliveries({
          shop: url.searchParams.get("shop") ?? undefined,
          topic: url.searchParams.get("topic") ?? undefined,
        }),
      );
    case "DELETE /deliveries":
      standIn.clearDeliveries();
      return ok({ ok: true });
    case "POST /deliveries/wait-idle":
      try {
        await standIn.waitForDeliveries(
          body.timeoutMs === undefined ? undefined : num(body.timeoutMs, "timeoutMs"),
        );
        return ok({ idle: true });
      } catch (error) {
        throw new HttpError(408, { error: error instanceof Error ? error.message : String(error) });
      }
    case "POST /access-tokens/expire":
      return ok({ expired: standIn.expireAccessToken(String(body.token ?? "")) });
  }
  throw new HttpError(404, { error: `No control route ${method} ${path}` });
}
