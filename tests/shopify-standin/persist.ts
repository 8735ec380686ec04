// What a restarted stand-in must remember to be the same Shopify: the tokens it issued (so an app's
// stored offline token keeps working, as Shopify's do across its own restarts), whether the app is
// installed, and each shop's data as its changes left it. Used by the process (main.ts
// --state-file) for the demo; tests in one process never need it.
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import type { AuthTokens } from "./auth.ts";
import type { ShopSnapshot } from "./shop.ts";

export interface StandInState {
  version: 1;
  savedAt: string;
  tokens: AuthTokens;
  /** Per shop domain: how it was seeded, and its state. */
  shops: Record<string, { seededAs: string; shop: ShopSnapshot }>;
}

export async function readState(file: string): Promise<StandInState | null> {
  if (!existsSync(file)) return null;
  const state = JSON.parse(await readFile(file, "utf8")) as StandInState;
  return state.version === 1 ? state : null;
}

/** Written to a temporary file first, so a stop half-way leaves the previous state whole. */
export async function writeState(file: string, state: StandInState): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(state));
  await rename(temporary, file);
}
