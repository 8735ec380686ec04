/** Runs the Prisma CLI against a given database (the CLI reads DATABASE_URL, see prisma.config.ts). */
import { spawn } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "./embedded-postgres.ts";

/**
 * Quiet runs keep the CLI's output and put it in the error when the command fails; otherwise the
 * output goes straight to this process's stdout and stderr.
 */
export function runPrisma(
  args: string[],
  databaseUrl: string,
  { quiet = true }: { quiet?: boolean } = {},
): Promise<void> {
  const bin = path.join(PROJECT_ROOT, "node_modules", ".bin", "prisma");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: PROJECT_ROOT,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `prisma ${args.join(" ")} failed (exit ${code})${output ? `:\n${output.trim()}` : ""}`,
            ),
          ),
    );
  });
}

/** Runs the CLI and returns what it printed on stdout (e.g. `migrate diff --script`). */
export function runPrismaOutput(args: string[], databaseUrl: string): Promise<string> {
  const bin = path.join(PROJECT_ROOT, "node_modules", ".bin", "prisma");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`prisma ${args.join(" ")} failed (exit ${code}):\n${stderr.trim()}`)),
    );
  });
}

export const migrateDeploy = (databaseUrl: string) => runPrisma(["migrate", "deploy"], databaseUrl);
