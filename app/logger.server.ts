/**
 * Structured logs: JSON lines in production, readable lines in development. Log ids, shops, topics
 * and durations; never secrets, access tokens or customers' personal data (payloads are not logged).
 */
import { pino, type Logger } from "pino";
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

export const logger: Logger = pino({
  level: env.LOG_LEVEL,
  redact: {
    paths: ["accessToken", "*.accessToken", "headers.authorization", "*.headers.authorization"],
    censor: "[redacted]",
  },
  transport: transport(),
});
