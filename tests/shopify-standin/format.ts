// Value formats as Shopify writes them: GIDs, GraphQL DateTime (UTC, "Z"), REST timestamps
// (shop time zone with a UTC offset), GraphQL Decimal and REST money strings.

export type GidType = "Customer" | "Order" | "LineItem" | "Product" | "ProductVariant" | "Shop";

export function gid(
  type: GidType | "BulkOperation" | "MailingAddress" | "AppInstallation",
  id: number | string,
) {
  return `gid://shopify/${type}/${id}`;
}

/** Parses `gid://shopify/{type}/{id}` (or a bare numeric id) into the numeric id. */
export function parseId(value: string, type?: string): number | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(value);
  if (match) {
    if (type && match[1] !== type) return null;
    return Number(match[2]);
  }
  if (/^\d+$/.test(value)) return Number(value);
  return null;
}

/** GraphQL DateTime: ISO 8601 in UTC with whole seconds, e.g. 2026-11-01T09:30:00Z. */
export function isoUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at the given instant, in minutes (e.g. -300 for EST). */
export function offsetMinutes(seconds: number, timeZone: string): number {
  const part = offsetFormatter(timeZone)
    .formatToParts(new Date(seconds * 1000))
    .find((p) => p.type === "timeZoneName")?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? "");
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

/** REST resource timestamp: local time of the shop's zone with its UTC offset. */
export function restTime(seconds: number, timeZone: string): string {
  const offset = offsetMinutes(seconds, timeZone);
  const local = new Date((seconds + offset * 60) * 1000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

export function restTimeOrNull(seconds: number | null, timeZone: string): string | null {
  return seconds === null ? null : restTime(seconds, timeZone);
}

/** REST money: two decimals, e.g. "12.50". */
export function restMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** GraphQL Decimal as Shopify serialises it: trailing zeros dropped, at least one decimal ("12.5", "10.0"). */
export function graphqlDecimal(cents: number): string {
  const fixed = restMoney(cents);
  return fixed.endsWith("0") ? fixed.slice(0, -1) : fixed;
}

/** Parses a decimal amount ("12.5", "12.50", 12.5) into cents. */
export function parseMoney(value: string | number): number {
  const text = typeof value === "number" ? value.toFixed(2) : value.trim();
  const match = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new Error(`Not a money amount: ${String(value)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? "0").padEnd(2, "0"));
  return match[1] ? -cents : cents;
}

/** Shopify's list-of-tags string in REST payloads: "a, b". */
export function restTags(tags: readonly string[]): string {
  return tags.join(", ");
}

export function parseTimeInput(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`Not a timestamp: ${value}`);
  return Math.floor(ms / 1000);
}
