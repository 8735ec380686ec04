/**
 * JSON without rounding: Shopify's numeric ids go up to 2^64 - 1, and its documented example
 * bodies already use ids above 2^53 (820982911946154508), which `JSON.parse` rounds. Integers a
 * JavaScript number cannot hold exactly are read as bigints; every other number as `JSON.parse`
 * reads it. lossless-json is the parser Shopify's own `@shopify/shopify-api` depends on
 * (docs/decisions/018).
 */
import { isInteger, isSafeNumber, parse } from "lossless-json";

function parseNumber(text: string): number | bigint {
  return isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text);
}

/** Parses JSON text, reading integers beyond Number.MAX_SAFE_INTEGER as bigints. */
export function parseExactJson(text: string): unknown {
  return parse(text, null, parseNumber);
}
