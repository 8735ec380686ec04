/**
 * What a web process lets into the webhook intake at once (docs/decisions/034, 047). A delivery is
 * admitted when its request reaches the route, before a byte of its body is read, and holds its
 * share until it is answered:
 *
 * - one of WEBHOOK_INTAKE_MAX_DELIVERIES places (deliveries being read, verified, waiting for their
 *   statement or in it), so the requests the intake holds are bounded by count, whatever the
 *   database's speed: a request past it is answered 503 at once and its body is never read;
 * - BODY_COPIES × its declared length (or WEBHOOK_MAX_BYTES for a chunked body) of the
 *   WEBHOOK_INTAKE_MAX_BYTES budget: what the process really holds for a body, not only its bytes.
 *
 * One delivery always fits when nothing else is held, so a body up to WEBHOOK_MAX_BYTES is never
 * refused for its size alone.
 */
import { env } from "../../env.server.ts";

/**
 * Copies of a body the process holds at once while a delivery is in the intake: the body itself
 * (read once into one buffer: request-body.server.ts), and the statement that carries it: its
 * batch's bodies joined into one JSON array (record.server.ts), or the body as it is when it goes
 * alone, then node-postgres's message it is copied into, which live until the statement is sent.
 * JSON.parse's transient copy is garbage before the next delivery's.
 */
export const BODY_COPIES = 3;

let deliveries = 0;
let heldBytes = 0;

export type Admission =
  | { admitted: true; release(): void }
  | { admitted: false; bound: "deliveries" | "bytes"; message: string };

/** Admits a delivery whose body declares `declaredBytes` (null: chunked), or says which bound it is past. */
export function admitDelivery(declaredBytes: number | null): Admission {
  if (deliveries >= env.WEBHOOK_INTAKE_MAX_DELIVERIES) {
    return {
      admitted: false,
      bound: "deliveries",
      message: `${deliveries} deliveries are already in the intake`,
    };
  }
  const release = holdBodyBytes((declaredBytes ?? env.WEBHOOK_MAX_BYTES) * BODY_COPIES);
  if (!release) {
    return { admitted: false, bound: "bytes", message: "The webhook intake is full" };
  }
  deliveries++;
  let released = false;
  return {
    admitted: true,
    release() {
      if (released) return;
      released = true;
      deliveries--;
      release();
    },
  };
}

/**
 * Holds `bytes` of the process's budget (WEBHOOK_INTAKE_MAX_BYTES) until the returned release is
 * called, or answers null when they do not fit. Anything fits when nothing else is held.
 */
export function holdBodyBytes(bytes: number): (() => void) | null {
  if (heldBytes > 0 && heldBytes + bytes > env.WEBHOOK_INTAKE_MAX_BYTES) return null;
  heldBytes += bytes;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldBytes -= bytes;
  };
}

/** What the intake holds now (for tests and /healthz-class figures). */
export const intakeHeld = () => ({ deliveries, bytes: heldBytes });
