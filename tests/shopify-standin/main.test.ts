// The stand-in as its own process (main.ts), as the demo starts it: the admin URL it prints is the
// one a browser can open, the one the demo prints too (issue 17: its 127.0.0.1 URL was refused
// the frame, since the app's policy admits the admin's origin as localhost).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect, it } from "vitest";

const MAIN = path.join(import.meta.dirname, "main.ts");

async function startMain(appUrl: string) {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      "--app-url",
      appUrl,
      "--api-key",
      "k",
      "--api-secret",
      "s",
      "--shop",
      "demo:3:3",
      "--quiet",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith("STANDIN_READY ")) {
      child.kill("SIGTERM");
      const ready = JSON.parse(line.slice(14)) as { url: string; browserUrl: string };
      return { lines, ...ready };
    }
    lines.push(line);
  }
  throw new Error(`The stand-in exited before it was ready: ${lines.join("\n")}`);
}

it("prints the admin URL on the app's site (localhost), not the 127.0.0.1 it listens on", async () => {
  const { lines, url, browserUrl } = await startMain("http://localhost:3999");
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(browserUrl).toBe(url.replace("127.0.0.1", "localhost"));
  const admin = lines.filter((line) => line.includes("admin:"));
  expect(admin).toEqual([`    admin: ${browserUrl}/store/demo/apps/recur`]);
});

it("keeps its own URL for an app on 127.0.0.1", async () => {
  const { lines, url, browserUrl } = await startMain("http://127.0.0.1:3999");
  expect(browserUrl).toBe(url);
  expect(lines.filter((line) => line.includes("admin:"))).toEqual([
    `    admin: ${url}/store/demo/apps/recur`,
  ]);
});

/** Starts main.ts and leaves it running; resolves with its ready line. */
async function startRunning(args: string[]) {
  const child = spawn(
    process.execPath,
    [MAIN, "--app-url", "http://127.0.0.1:3999", "--api-key", "k", "--api-secret", "s", ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith("STANDIN_READY ")) continue;
    const ready = JSON.parse(line.slice(14)) as {
      url: string;
      shops: { shop: string; installed: boolean; orders: number; accessToken: string | null }[];
    };
    return { child, ...ready };
  }
  throw new Error("The stand-in exited before it was ready");
}

async function ordersCount(url: string, token: string) {
  const response = await fetch(`${url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Access-Token": token,
      "X-Forwarded-Host": "demo.myshopify.com",
    },
    body: JSON.stringify({ query: "{ ordersCount(limit: null) { count } }" }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

it("with --state-file, a restart keeps the tokens it issued, the install and the store's changes", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "standin-state-"));
  try {
    const state = ["--state-file", path.join(dir, "state.json"), "--shop", "demo:3:3", "--quiet"];
    const first = await startRunning([...state, "--install"]);
    const token = first.shops[0]!.accessToken!;
    const created = await fetch(`${first.url}/_standin/shops/demo/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(created.status).toBe(201);
    first.child.kill("SIGTERM");
    await once(first.child, "exit");

    const second = await startRunning(state);
    try {
      expect(second.shops[0]).toMatchObject({ installed: true, orders: 4 });
      expect(await ordersCount(second.url, token)).toEqual({
        status: 200,
        body: expect.objectContaining({ data: { ordersCount: { count: 4 } } }),
      });
    } finally {
      second.child.kill("SIGTERM");
      await once(second.child, "exit");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
