/**
 * POST /webhooks as `npm start` serves it: server.ts (the built app, production mode) hands it from
 * node:http straight to the intake, without Express or Remix (docs/decisions/048); its connections
 * are bounded (WEB_MAX_CONNECTIONS, docs/decisions/047). Real HTTP, real HMACs, this file's
 * database.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/ports.ts";
import { startChild, waitForHttp, type Child } from "../../scripts/lib/stack.ts";
import { installShop, query } from "../support/db.ts";
import { restOrder } from "../support/payloads.ts";
import { sendWebhook, webhookHeaders } from "../support/webhooks.ts";

const SHOP = "server-intake.myshopify.com";
const MAX_CONNECTIONS = 16;
let appUrl: string;
let port: number;
let web: Child;
const output: string[] = [];

beforeAll(async () => {
  await installShop(SHOP);
  port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  web = startChild({
    name: "web",
    args: ["server.ts"],
    env: {
      NODE_ENV: undefined,
      SHOPIFY_STANDIN_URL: undefined,
      SHOPIFY_APP_URL: "https://recur.example.com",
      PORT: String(port),
      LOG_LEVEL: "warn",
      WEB_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    },
    onLine: (line) => output.push(line),
  });
  await waitForHttp(`${appUrl}/healthz`).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join("\n")}`);
  });
});

afterAll(async () => {
  await web?.stop();
});

const recorded = (webhookId: string) =>
  query<{ status: string }>("SELECT status::text FROM webhook_deliveries WHERE id = $1", [
    webhookId,
  ]);

describe("POST /webhooks on server.ts", () => {
  it("records a signed delivery once (its retry is a duplicate) and refuses a bad HMAC, recording nothing", async () => {
    const webhookId = randomUUID();
    const delivery = {
      topic: "orders/updated",
      shop: SHOP,
      payload: restOrder(9100, "2026-11-20T10:00:00-05:00"),
      webhookId,
    };
    expect(await sendWebhook(appUrl, delivery)).toBe(200);
    expect(await sendWebhook(appUrl, delivery)).toBe(200);
    expect(await recorded(webhookId)).toEqual([{ status: "received" }]);

    const forged = randomUUID();
    const status = await sendWebhook(appUrl, { ...delivery, webhookId: forged, secret: "forged" });
    expect(status).toBe(401);
    expect(await recorded(forged)).toEqual([]);
  });

  it("answers 413 to a body declared over 10 MiB before reading it, and 405 to a GET", async () => {
    const body = "{}";
    const headers = webhookHeaders({ topic: "orders/updated", shop: SHOP, payload: {} }, body);
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      [
        "POST /webhooks HTTP/1.1",
        "Host: 127.0.0.1",
        `Content-Length: ${11 * 1024 * 1024}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ].join("\r\n") + "\r\n\r\n",
    );
    await closed;
    expect(Buffer.concat(chunks).toString("latin1")).toMatch(/^HTTP\/1\.1 413 /);

    expect((await fetch(`${appUrl}/webhooks`)).status).toBe(405);
  });

  it(`closes a connection past ${MAX_CONNECTIONS} open ones as it is accepted, unread`, async () => {
    // Connections are opened one after another, each asked for /healthz and kept open once it is
    // answered, until one is closed instead; other keep-alive connections (earlier tests') count.
    const open: net.Socket[] = [];
    const attempt = () =>
      new Promise<"answered" | "dropped">((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        open.push(socket);
        socket.once("data", () => resolve("answered"));
        socket.once("error", () => resolve("dropped"));
        socket.once("close", () => resolve("dropped"));
        socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      });
    try {
      let answered = 0;
      while ((await attempt()) === "answered") {
        answered++;
        expect(answered).toBeLessThanOrEqual(MAX_CONNECTIONS);
      }
      expect(open.at(-1)!.bytesRead).toBe(0);
      expect(answered).toBeGreaterThan(0);
    } finally {
      for (const socket of open) socket.destroy();
    }
  });
});
