// The stand-in as its own process (main.ts), as the demo starts it: the admin URL it prints is the
// one a browser can open, the one the demo prints too (issue 17: its 127.0.0.1 URL was refused
// the frame, since the app's policy admits the admin's origin as localhost).
import { spawn } from "node:child_process";
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
