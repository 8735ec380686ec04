/**
 * How the admin writes numbers, times and money. Everything is formatted the same way on the server
 * and in the browser (fixed locale, UTC), so a page hydrates without a mismatch.
 */
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export function formatCount(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  return integer.format(Number(value));
}

export function formatDecimal(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : decimal.format(value);
}

/** "2026-11-27 14:03 UTC": the same text wherever it is rendered. */
export function formatTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "—";
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "2026-11-27 14:03:09 UTC", for details where seconds matter. */
export function formatTimeExact(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "—";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.max(0, Math.round(seconds * 1000))} ms`;
  if (seconds < 60) return `${decimal.format(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatMoney(
  amount: string | null | undefined,
  currency: string | null | undefined,
) {
  if (amount === null || amount === undefined) return "—";
  const value = Number(amount);
  if (!currency) return decimal.format(value);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

export function customerName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter(Boolean).join(" ");
  return name || null;
}

/** "customers" → "Customers". */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Shopify's enum words for people: "PARTIALLY_FULFILLED" → "Partially fulfilled". */
export function humanize(value: string | null | undefined): string {
  if (!value) return "—";
  return capitalize(value.toLowerCase().replace(/_/g, " "));
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}
