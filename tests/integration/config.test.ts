/**
 * Configuration fails closed (docs/decisions/020): a process is in production unless NODE_ENV says
 * otherwise; production has no default credentials or app URL, takes only an https app URL, and
 * refuses APP_BRIDGE_URL; the Shopify stand-in is accepted only by a test process or the demo, on a
 * loopback address. Each combination is checked through the real module (parseEnv) and, for the
 * ones an operator meets, by starting the real processes.
 */
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../app/env.server.ts";
import { query } from "../support/db.ts";
import { startRecurProcess, waitFor } from "../support/processes.ts";

const production = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://recur.example.com",
  DATABASE_URL: "postgres://recur@db.example.com/recur",
};
const development = {
  NODE_ENV: "development",
  SHOPIFY_API_KEY: "recur-dev-api-key",
  SHOPIFY_API_SECRET: "recur-dev-api-secret",
  DATABASE_URL: production.DATABASE_URL,
};
const test = { ...development, NODE_ENV: "test" };
const demo = { ...development, RECUR_DEMO: "true" };

describe("configuration", () => {
  it("is production when NODE_ENV is not set", () => {
    const env = parseEnv(production);
    expect(env.NODE_ENV).toBe("production");
    expect(env.SHOPIFY_API_SECRET).toBe("secret");
    expect(env.SCOPES).toEqual(["read_customers", "read_orders", "read_all_orders"]);
    expect(env.PORT).toBe(3000);
  });

  it("refuses NODE_ENV values it does not know, naming it", () => {
    expect(() => parseEnv({ ...production, NODE_ENV: "staging" })).toThrow(/NODE_ENV/);
  });

  it("has no default credentials in any mode, naming each missing one", () => {
    for (const mode of ["production", "development", "test"]) {
      const source = { NODE_ENV: mode, DATABASE_URL: production.DATABASE_URL };
      expect(() => parseEnv(source)).toThrow(
        /SHOPIFY_API_KEY is not set[\s\S]*SHOPIFY_API_SECRET is not set/,
      );
    }
    const { SHOPIFY_API_SECRET: _, ...withoutSecret } = production;
    expect(() => parseEnv(withoutSecret)).toThrow(/SHOPIFY_API_SECRET is not set/);
  });

  it("requires an https SHOPIFY_APP_URL in production", () => {
    const { SHOPIFY_APP_URL: _, ...withoutUrl } = production;
    expect(() => parseEnv(withoutUrl)).toThrow(/SHOPIFY_APP_URL is required in production/);
    expect(() => parseEnv({ ...production, SHOPIFY_APP_URL: "http://recur.example.com" })).toThrow(
      /SHOPIFY_APP_URL must be an https:\/\/ URL in production/,
    );
    expect(() => parseEnv({ ...production, NODE_ENV: "production" })).not.toThrow();
  });

  it("defaults SHOPIFY_APP_URL to http://localhost:3000 only outside production", () => {
    expect(parseEnv(development).SHOPIFY_APP_URL).toBe("http://localhost:3000");
    expect(parseEnv(test).SHOPIFY_APP_URL).toBe("http://localhost:3000");
  });

  it("refuses APP_BRIDGE_URL in production, and leaves it to the library elsewhere", () => {
    expect(() =>
      parseEnv({ ...production, APP_BRIDGE_URL: "https://cdn.example.com/app-bridge.js" }),
    ).toThrow(/APP_BRIDGE_URL is refused in production/);
    expect(() =>
      parseEnv({ ...development, APP_BRIDGE_URL: "http://127.0.0.1:4000/app-bridge.js" }),
    ).not.toThrow();
  });

  it("refuses RECUR_DEMO in production", () => {
    expect(() => parseEnv({ ...production, RECUR_DEMO: "true" })).toThrow(
      /RECUR_DEMO is refused in production/,
    );
  });

  it("names every missing or malformed variable", () => {
    expect(() => parseEnv({ ...production, DATABASE_URL: undefined, PORT: "eighty" })).toThrow(
      /DATABASE_URL is not set[\s\S]*PORT/,
    );
    expect(() => parseEnv({ ...production, DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL must be a postgres:\/\/ connection string/,
    );
  });
});

describe("the Shopify stand-in seam", () => {
  const loopback = ["http://127.0.0.1:4000", "http://localhost:4300", "http://[::1]:4000"];
  const elsewhere = [
    "http://standin.example.com:4000",
    "http://10.0.0.5:4000",
    "http://127.0.0.1.nip.io:4000",
    "https://recur-dev.myshopify.com",
  ];

  it("is accepted by a test process and the demo on a loopback address", () => {
    for (const url of loopback) {
      expect(parseEnv({ ...test, SHOPIFY_STANDIN_URL: url }).SHOPIFY_STANDIN_URL).toBe(url);
      expect(parseEnv({ ...demo, SHOPIFY_STANDIN_URL: url }).SHOPIFY_STANDIN_URL).toBe(url);
    }
  });

  it("is refused anywhere but on this machine, even in test and demo mode", () => {
    for (const url of elsewhere) {
      for (const mode of [test, demo]) {
        expect(() => parseEnv({ ...mode, SHOPIFY_STANDIN_URL: url })).toThrow(
          /SHOPIFY_STANDIN_URL must be a loopback address/,
        );
      }
    }
  });

  it("is refused in production and in development without RECUR_DEMO, even on loopback", () => {
    expect(() => parseEnv({ ...production, SHOPIFY_STANDIN_URL: loopback[0] })).toThrow(
      /SHOPIFY_STANDIN_URL the Shopify stand-in is for tests .* refused with NODE_ENV=production/,
    );
    expect(() => parseEnv({ ...development, SHOPIFY_STANDIN_URL: loopback[0] })).toThrow(
      /SHOPIFY_STANDIN_URL .* refused with NODE_ENV=development without RECUR_DEMO/,
    );
  });
});

/** This file's environment (tests/setup) with the mode and the seam taken away: as `npm start`. */
const unset = { NODE_ENV: undefined, SHOPIFY_STANDIN_URL: undefined, RECUR_DEMO: undefined };
const productionProcess = {
  ...unset,
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://recur.example.com",
  LOG_LEVEL: "info",
};
const EX_CONFIG = 78;

async function refusal(entry: "server.ts" | "worker.ts", env: Record<string, string | undefined>) {
  const child = startRecurProcess(entry, env);
  const code = await child.exited;
  return { code, output: child.output() };
}

describe("the real processes", () => {
  it("the worker started without NODE_ENV runs in production mode", async () => {
    const worker = startRecurProcess("worker.ts", productionProcess);
    try {
      await waitFor("the worker's heartbeat", async () => {
        const rows = await query("SELECT 1 FROM worker_heartbeats");
        return rows.length > 0 ? true : undefined;
      });
    } finally {
      // Production logs are buffered; a graceful stop flushes them.
      expect(await worker.stop("SIGTERM")).toBe(0);
    }
    const started = worker
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; mode?: string })
      .find((line) => line.msg === "worker started");
    expect(started).toMatchObject({ mode: "production" });
  });

  it("the web server and the worker without NODE_ENV refuse to start without credentials", async () => {
    const env = { ...unset, SHOPIFY_API_KEY: undefined, SHOPIFY_API_SECRET: undefined };
    for (const entry of ["server.ts", "worker.ts"] as const) {
      const { code, output } = await refusal(entry, env);
      expect(code).toBe(EX_CONFIG);
      expect(output).toMatch(/SHOPIFY_API_KEY is not set[\s\S]*SHOPIFY_API_SECRET is not set/);
    }
  });

  it("the web server without NODE_ENV refuses an http SHOPIFY_APP_URL", async () => {
    const { code, output } = await refusal("server.ts", {
      ...productionProcess,
      SHOPIFY_APP_URL: "http://recur.example.com",
    });
    expect(code).toBe(EX_CONFIG);
    expect(output).toMatch(/SHOPIFY_APP_URL must be an https:\/\/ URL in production/);
  });

  it("the web server without NODE_ENV refuses APP_BRIDGE_URL", async () => {
    const { code, output } = await refusal("server.ts", {
      ...productionProcess,
      APP_BRIDGE_URL: "http://127.0.0.1:4000/app-bridge.js",
    });
    expect(code).toBe(EX_CONFIG);
    expect(output).toMatch(/APP_BRIDGE_URL is refused in production/);
  });

  it("a leftover SHOPIFY_STANDIN_URL stops both processes unless they run as a test or the demo", async () => {
    const leftover = { ...productionProcess, SHOPIFY_STANDIN_URL: "http://127.0.0.1:4000" };
    for (const entry of ["server.ts", "worker.ts"] as const) {
      const { code, output } = await refusal(entry, leftover);
      expect(code).toBe(EX_CONFIG);
      expect(output).toMatch(/SHOPIFY_STANDIN_URL .* refused with NODE_ENV=production/);
    }
    const inDevelopment = await refusal("worker.ts", { ...leftover, NODE_ENV: "development" });
    expect(inDevelopment.code).toBe(EX_CONFIG);
    expect(inDevelopment.output).toMatch(/refused with NODE_ENV=development without RECUR_DEMO/);
  });

  it("a test process refuses a stand-in that is not on this machine", async () => {
    const { code, output } = await refusal("worker.ts", {
      NODE_ENV: "test",
      SHOPIFY_STANDIN_URL: "http://standin.example.com:4000",
    });
    expect(code).toBe(EX_CONFIG);
    expect(output).toMatch(/SHOPIFY_STANDIN_URL must be a loopback address/);
  });

  it("the demo's worker starts with the stand-in on loopback", async () => {
    const worker = startRecurProcess("worker.ts", {
      ...unset,
      NODE_ENV: "development",
      RECUR_DEMO: "true",
      SHOPIFY_STANDIN_URL: "http://localhost:4300",
      LOG_LEVEL: "info",
    });
    try {
      await waitFor("the demo worker's heartbeat", async () => {
        const rows = await query("SELECT 1 FROM worker_heartbeats");
        return rows.length > 0 ? true : undefined;
      });
    } finally {
      expect(await worker.stop("SIGTERM")).toBe(0);
    }
    expect(worker.output()).toContain("worker started");
  });
});
