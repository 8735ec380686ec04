/**
 * Per-shop fairness of the webhook queue (docs/decisions/007-webhook-queue-fairness.md).
 *
 * graphile-worker runs jobs by priority, then age. Each web process counts the deliveries it
 * accepted per shop over the last ten seconds; a shop sending far more than others gets a larger
 * (later) priority number for its new jobs, so a quiet shop's webhooks go ahead of a noisy shop's
 * backlog instead of waiting behind it. The noisy shop still gets every idle worker slot.
 */
const WINDOW_SECONDS = 10;
/** Deliveries per window at which a shop's priority steps down: below 50 it stays 0. */
const STEPS = [50, 500, 5_000, 50_000];

interface Window {
  second: number;
  counts: number[];
}

const windows = new Map<string, Window>();

function advance(window: Window, now: number) {
  const elapsed = now - window.second;
  if (elapsed <= 0) return;
  if (elapsed >= WINDOW_SECONDS) window.counts.fill(0);
  else for (let s = 1; s <= elapsed; s++) window.counts[(window.second + s) % WINDOW_SECONDS] = 0;
  window.second = now;
}

/** Counts one accepted delivery for `shop` and returns the priority for its job. */
export function priorityForDelivery(shop: string, nowMs = Date.now()): number {
  const now = Math.floor(nowMs / 1000);
  let window = windows.get(shop);
  if (!window) {
    window = { second: now, counts: new Array<number>(WINDOW_SECONDS).fill(0) };
    windows.set(shop, window);
  }
  advance(window, now);
  window.counts[now % WINDOW_SECONDS]! += 1;
  const recent = window.counts.reduce((sum, count) => sum + count, 0);
  return STEPS.filter((step) => recent >= step).length;
}

/** Forgets shops that sent nothing for a window, so the map stays as small as the active set. */
export function forgetQuietShops(nowMs = Date.now()): void {
  const now = Math.floor(nowMs / 1000);
  for (const [shop, window] of windows) {
    if (now - window.second >= WINDOW_SECONDS) windows.delete(shop);
  }
}
setInterval(forgetQuietShops, WINDOW_SECONDS * 1000).unref();
