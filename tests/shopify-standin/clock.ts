/**
 * A shop's logical clock. Shopify's timestamps have one-second resolution, yet every change to a
 * resource must move its `updated_at` forward; so a stamp is the later of the wall clock, the last
 * stamp this shop handed out (the clock never goes backwards) and the resource's previous stamp
 * plus one second. Under a burst of changes to one resource the clock runs ahead of real time.
 */
export class ShopClock {
  private last: number;
  private readonly now: () => number;

  constructor(start: number, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.last = start;
    this.now = now;
  }

  /** The shop's current time in seconds, without handing out a stamp. */
  current(): number {
    return Math.max(this.now(), this.last);
  }

  /** A stamp for a change to a resource whose previous stamp was `previous` (if any). */
  stamp(previous?: number | null): number {
    let next = Math.max(this.now(), this.last);
    if (previous !== undefined && previous !== null && next <= previous) next = previous + 1;
    this.last = next;
    return next;
  }

  /** Lets a seeded history in the future of the wall clock push the clock forward. */
  advanceTo(seconds: number): void {
    if (seconds > this.last) this.last = seconds;
  }
}
