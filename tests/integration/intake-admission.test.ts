/**
 * The intake's admission (docs/decisions/047), on a real HTTP server with real HMACs: a delivery is
 * admitted before its body is read; past WEBHOOK_INTAKE_MAX_DELIVERIES deliveries held at once, or
 * past WEBHOOK_INTAKE_MAX_BYTES (each body counted with its copies), it is answered 503 with
 * `Connection: close` before a byte of its body was even sent, and nothing of it is recorded;
 * under the bounds every delivery is recorded, and so is Shopify's retry of a refused one.
 *
 * Deliveries are written on raw sockets (node:net) so that a test decides when each part of a
 * request is sent: headers and half a body hold a delivery in the intake for as long as needed.
 */
// First: the bounds this file runs with.
import { MAX_DELIVERIES } from "./intake-admission.env.ts";
import { randomUUID } from "node:crypto";
import net from "node:net";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BODY_COPIES, intakeHeld } from "../../app/lib/webhooks/admission.server.ts";
import { installShop, query } from "../support/db.ts";
import { restOrder } from "../support/payloads.ts";
import { useWebhookApp } from "../support/webhook-app.ts";
import { webhookHeaders } from "../support/webhooks.ts";

const SHOP = "admission.myshopify.com";
const app = useWebhookApp();
beforeAll(() => installShop(SHOP));

/** A signed orders/updated delivery of order `id`, its body at least `minBytes` long. */
function order(id: number, minBytes = 0) {
  const lines = Math.max(1, Math.ceil(minBytes / 180));
  const lineItems = Array.from({ length: lines }, (_, i) => ({
    id: id * 100_000 + i,
    quantity: 1,
    price: "1.00",
  }));
  const body = Buffer.from(
    JSON.stringify(restOrder(id, "2026-11-20T10:00:00-05:00", {}, lineItems)),
  );
  const webhookId = randomUUID();
  const headers = webhookHeaders(
    { topic: "orders/updated", shop: SHOP, payload: null, webhookId },
    body,
  );
  return { webhookId, body, headers };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
}

/** One delivery on a connection of its own, written part by part; the answer once it is closed. */
function openDelivery({ body, headers }: ReturnType<typeof order>) {
  const { port } = new URL(app.url);
  const socket = net.connect(Number(port), "127.0.0.1");
  const received: Buffer[] = [];
  socket.on("data", (chunk) => received.push(chunk));
  const answer = new Promise<Answer>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = ""] = Buffer.concat(received).toString("latin1").split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers: Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(":");
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        ),
      });
    });
  });
  const head = [
    "POST /webhooks HTTP/1.1",
    "Host: 127.0.0.1",
    "Connection: close",
    `Content-Length: ${body.length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join("\r\n");
  const half = Math.floor(body.length / 2);
  return {
    answer,
    /** Headers and the first half of the body: the delivery is in the intake, being read. */
    start: () => socket.write(`${head}\r\n\r\n`) && socket.write(body.subarray(0, half)),
    /** Headers alone. */
    sendHead: () => socket.write(`${head}\r\n\r\n`),
    finish: () => socket.write(body.subarray(half)),
    /** Bytes of the body this client has written to the socket. */
    bytesSent: () => socket.bytesWritten - Buffer.byteLength(`${head}\r\n\r\n`),
  };
}

const recorded = (webhookId: string) =>
  query<{ status: string }>("SELECT status::text FROM webhook_deliveries WHERE id = $1", [
    webhookId,
  ]);

async function deliverWhole(delivery: ReturnType<typeof order>) {
  const connection = openDelivery(delivery);
  connection.start();
  connection.finish();
  return (await connection.answer).status;
}

describe("admission", () => {
  it(`holds at most ${MAX_DELIVERIES} deliveries; the next is answered 503 before its body is sent, and records nothing`, async () => {
    const held = Array.from({ length: MAX_DELIVERIES }, (_, i) => order(100 + i));
    const connections = held.map(openDelivery);
    for (const connection of connections) connection.start();
    await vi.waitFor(() => expect(intakeHeld().deliveries).toBe(MAX_DELIVERIES));

    const refused = order(200);
    const refusedConnection = openDelivery(refused);
    refusedConnection.sendHead();
    const answer = await refusedConnection.answer;
    expect(answer.status).toBe(503);
    expect(answer.headers).toMatchObject({ connection: "close", "retry-after": "1" });
    expect(refusedConnection.bytesSent()).toBe(0);
    expect(await recorded(refused.webhookId)).toEqual([]);

    // Under the bound, every delivery held is recorded once its body arrives.
    for (const connection of connections) connection.finish();
    expect((await Promise.all(connections.map((c) => c.answer))).map((a) => a.status)).toEqual(
      Array(MAX_DELIVERIES).fill(200),
    );
    for (const delivery of held) {
      expect(await recorded(delivery.webhookId)).toEqual([{ status: "received" }]);
    }
    expect(intakeHeld()).toEqual({ deliveries: 0, bytes: 0 });

    // Shopify's retry of the refused delivery, with the intake free again: recorded.
    expect(await deliverWhole(refused)).toBe(200);
    expect(await recorded(refused.webhookId)).toEqual([{ status: "received" }]);
  });

  it("counts each body with its copies: a second 200 kB body is refused unread while a small one fits", async () => {
    const large = order(300, 200_000);
    const second = order(301, 200_000);
    const small = order(302);
    expect(large.body.length).toBeGreaterThan(200_000);
    expect(large.body.length).toBeLessThan(250_000);

    const largeConnection = openDelivery(large);
    largeConnection.start();
    await vi.waitFor(() =>
      expect(intakeHeld()).toEqual({ deliveries: 1, bytes: large.body.length * BODY_COPIES }),
    );

    const secondConnection = openDelivery(second);
    secondConnection.sendHead();
    const answer = await secondConnection.answer;
    expect(answer.status).toBe(503);
    expect(answer.headers).toMatchObject({ connection: "close" });
    expect(secondConnection.bytesSent()).toBe(0);

    // A small body fits beside the large one: the bound is bytes, not the count.
    expect(await deliverWhole(small)).toBe(200);

    largeConnection.finish();
    expect((await largeConnection.answer).status).toBe(200);
    expect(await recorded(second.webhookId)).toEqual([]);
    expect(await deliverWhole(second)).toBe(200);
    for (const delivery of [large, second, small]) {
      expect(await recorded(delivery.webhookId)).toEqual([{ status: "received" }]);
    }
    expect(intakeHeld()).toEqual({ deliveries: 0, bytes: 0 });
  });
});
