/**
 * Structured logs: JSON lines in production, readable lines in development. Log ids, shops, topics
 * and durations; never secrets, access tokens or customers' personal data (payloads are not logged).
 *
 * In production, lines are written through a buffer (one write for many lines, not one per job or
 * webhook); server.ts and worker.ts call flushLogs() before they exit.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import { env } from "./env.server.ts";

function transport() {
  if (env.NODE_ENV !== "development") return undefined;
  try {
    import.meta.resolve("pino-pretty");
    return {
      target: "pino-pretty",
      options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" },
    };
  } catch {
    return undefined;
  }
}

const buffered =
  env.NODE_ENV === "production"
    ? // At most 16 MiB of lines wait for a slow stdout; past that, lines are dropped, not held.
      pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 })
    : undefined;

const options = {
  level: env.LOG_LEVEL,
  redact: {
    paths: ["accessToken", "*.accessToken", "headers.authorization", "*.headers.authorization"],
    censor: "[redacted]",
  },
  transport: transport(),
};

export const logger: Logger = buffered
  ? pino(options, buffered as DestinationStream)
  : pino(options);

/** Writes out buffered lines; call before the process exits. */
export function flushLogs(): void {
  buffered?.flushSync();
}
