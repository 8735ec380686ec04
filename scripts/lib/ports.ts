/**
 * A free TCP port on loopback, released for the caller to take. It is chosen below the kernel's
 * ephemeral range (ip_local_port_range), which the kernel gives out as the local port of outgoing
 * connections: a port taken from that range and released could become a database client's local
 * port before the caller listens on it (EADDRINUSE, seen in a full test run). Each candidate is
 * bound once to check it is free; the kernel's own choice is the fallback.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

const LOWEST = 10_000;

function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    const port = await tryListen(candidate);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error("no free TCP port on 127.0.0.1");
  return port;
}
