/**
 * The demo's shop, shared by `npm run demo` (scripts/demo.ts) and the test that checks it
 * (tests/integration/demo-store.test.ts): what is tested is what a newcomer opens.
 */
export const DEMO_SHOP = {
  handle: "recur-demo",
  customers: 2000,
  orders: 6000,
  /** Purchase histories in which every RFM segment has customers (the stand-in's generator.ts). */
  history: "lifelike",
} as const;

/** Seconds between two changes of the living store; 0 keeps it still. */
export const DEMO_LIVE_SECONDS = 3;

/** The end of the seeded history: this UTC day's midnight, the same for every start on one day. */
export function demoHistoryEnd(now = new Date()): string {
  return `${now.toISOString().slice(0, 10)}T00:00:00Z`;
}
