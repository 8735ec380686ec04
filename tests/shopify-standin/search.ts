// A subset of Shopify's search syntax (shopify.dev "Shopify API search syntax"): terms joined by
// AND (or whitespace) and OR, NOT / "-" negation, parentheses, `field:value` with the comparators
// `:`, `:>`, `:>=`, `:<`, `:<=`, quoted values, and free text.
import { offsetMinutes, parseId } from "./format.ts";

export type FieldValue = number | string | boolean | null | readonly string[];

export interface SearchFields {
  /** Field name → value. Time fields are numbers (epoch seconds) and declared in `times`. */
  get(field: string): FieldValue | undefined;
  /** Text matched by free-text terms. */
  text(): string;
}

export interface CompiledSearch {
  matches(resource: SearchFields): boolean;
  /** Fields the stand-in does not know; Shopify ignores unknown fields too, with a warning. */
  unknownFields: string[];
}

type Node =
  | { kind: "and" | "or"; children: Node[] }
  | { kind: "not"; child: Node }
  | { kind: "term"; field: string | null; op: Op; value: string };

type Op = "=" | ">" | ">=" | "<" | "<=";

const TIME_FIELDS = new Set(["created_at", "updated_at", "processed_at", "completed_at"]);

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] ?? "";
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "(" || ch === ")") {
      tokens.push(ch);
      i++;
      continue;
    }
    let token = "";
    while (i < query.length && !/[\s()]/.test(query[i] ?? "")) {
      const c = query[i] ?? "";
      if (c === "'" || c === '"') {
        const end = query.indexOf(c, i + 1);
        const stop = end === -1 ? query.length : end;
        token += `\u0000${query.slice(i + 1, stop)}\u0000`;
        i = stop + 1;
      } else {
        token += c;
        i++;
      }
    }
    tokens.push(token);
  }
  return tokens;
}

function unquote(value: string): string {
  return value.replaceAll("\u0000", "");
}

function parseTerm(token: string): Node {
  const colon = token.indexOf(":");
  if (colon <= 0 || token.slice(0, colon).includes("\u0000")) {
    return { kind: "term", field: null, op: "=", value: unquote(token) };
  }
  const field = token.slice(0, colon).toLowerCase();
  let rest = token.slice(colon + 1);
  let op: Op = "=";
  for (const candidate of [">=", "<=", ">", "<"] as const) {
    if (rest.startsWith(candidate)) {
      op = candidate;
      rest = rest.slice(candidate.length);
      break;
    }
  }
  return { kind: "term", field, op, value: unquote(rest) };
}

function parse(tokens: string[]): Node {
  let pos = 0;
  const peek = () => tokens[pos];
  function parseOr(): Node {
    const children = [parseAnd()];
    while (peek() === "OR") {
      pos++;
      children.push(parseAnd());
    }
    return children.length === 1 ? (children[0] as Node) : { kind: "or", children };
  }
  function parseAnd(): Node {
    const children: Node[] = [];
    while (pos < tokens.length && peek() !== ")" && peek() !== "OR") {
      if (peek() === "AND") {
        pos++;
        continue;
      }
      children.push(parseUnary());
    }
    return children.length === 1 ? (children[0] as Node) : { kind: "and", children };
  }
  function parseUnary(): Node {
    const token = tokens[pos++] ?? "";
    if (token === "NOT") return { kind: "not", child: parseUnary() };
    if (token === "(") {
      const inner = parseOr();
      if (peek() === ")") pos++;
      return inner;
    }
    if (token.startsWith("-") && token.length > 1) {
      return { kind: "not", child: parseTerm(token.slice(1)) };
    }
    return parseTerm(token);
  }
  return parseOr();
}

/** Parses a time value; a bare date means the start of that day in the shop's time zone. */
export function parseSearchTime(value: string, timeZone: string): number | null {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) {
    const utc = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3])) / 1000;
    return utc - offsetMinutes(utc, timeZone) * 60;
  }
  if (value.toLowerCase() === "now") return Math.floor(Date.now() / 1000);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function compare(actual: number | string, op: Op, expected: number | string): boolean {
  switch (op) {
    case "=":
      return actual === expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
  }
}

export function compileSearch(
  query: string | null | undefined,
  knownFields: ReadonlySet<string>,
  timeZone: string,
): CompiledSearch {
  const unknownFields: string[] = [];
  if (!query || !query.trim()) return { matches: () => true, unknownFields };
  const root = parse(tokenize(query));

  function evaluate(node: Node, r: SearchFields): boolean {
    switch (node.kind) {
      case "and":
        return node.children.every((c) => evaluate(c, r));
      case "or":
        return node.children.some((c) => evaluate(c, r));
      case "not":
        return !evaluate(node.child, r);
      case "term":
        return evaluateTerm(node, r);
    }
  }

  const timeCache = new Map<string, number | null>();
  function evaluateTerm(term: Extract<Node, { kind: "term" }>, r: SearchFields): boolean {
    if (term.field === null) {
      return term.value === "" || r.text().toLowerCase().includes(term.value.toLowerCase());
    }
    if (!knownFields.has(term.field)) return true;
    const actual = r.get(term.field);
    if (actual === undefined) return true;
    if (TIME_FIELDS.has(term.field)) {
      if (typeof actual !== "number") return false;
      let expected = timeCache.get(term.value);
      if (expected === undefined) {
        expected = parseSearchTime(term.value, timeZone);
        timeCache.set(term.value, expected);
      }
      return expected !== null && compare(actual, term.op, expected);
    }
    if (term.field === "id" || term.field.endsWith("_id")) {
      const expected = parseId(term.value);
      return typeof actual === "number" && expected !== null && compare(actual, term.op, expected);
    }
    if (Array.isArray(actual)) {
      return actual.some((v) => v.toLowerCase() === term.value.toLowerCase());
    }
    if (typeof actual === "boolean") return String(actual) === term.value.toLowerCase();
    if (actual === null) return term.value === "" || term.value.toLowerCase() === "null";
    if (typeof actual === "number") {
      const expected = Number(term.value);
      return !Number.isNaN(expected) && compare(actual, term.op, expected);
    }
    if (term.op !== "=")
      return compare(String(actual).toLowerCase(), term.op, term.value.toLowerCase());
    return String(actual).toLowerCase() === term.value.toLowerCase();
  }

  function collectUnknown(node: Node): void {
    if (node.kind === "not") collectUnknown(node.child);
    else if (node.kind === "term") {
      if (node.field !== null && !knownFields.has(node.field)) unknownFields.push(node.field);
    } else node.children.forEach(collectUnknown);
  }
  collectUnknown(root);

  return { matches: (r) => evaluate(root, r), unknownFields };
}
