/**
 * Decision records keep one form (docs/decisions/023): a Date and Status line under the title, an
 * entry in the index, references to records that exist, and no tracker numbers (a record says what
 * happened). Reads docs/decisions/; starts nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const DIR = path.resolve(import.meta.dirname, "../../docs/decisions");
const files = readdirSync(DIR).filter((file) => /^\d{3}-.+\.md$/.test(file));
const records = files.filter((file) => !file.startsWith("000-"));
const numbers = new Set(records.map((file) => file.slice(0, 3)));
const read = (file: string) => readFileSync(path.join(DIR, file), "utf8");
const index = read("README.md");

describe("decision records", () => {
  it("have a template and records", () => {
    expect(files).toContain("000-template.md");
    expect(records.length).toBeGreaterThan(20);
  });

  it.each(records)("%s: title, then `Date: YYYY-MM-DD. Status: ...`", (file) => {
    const [title, blank, status] = read(file).split("\n");
    expect(title).toMatch(new RegExp(`^# ${file.slice(0, 3)} \\S`));
    expect(blank).toBe("");
    expect(status).toMatch(
      /^Date: \d{4}-\d{2}-\d{2}\. Status: (proposed|accepted|superseded by \d{3})\b/,
    );
  });

  it.each(records)("%s: listed in docs/decisions/README.md", (file) => {
    expect(index).toContain(`](${file})`);
  });

  it.each(records)("%s: names no tracker number", (file) => {
    expect(read(file)).not.toMatch(/\bissues? #?\d+|(^|\s)#\d+\b/im);
  });

  it.each(records)("%s: amends, supersedes or is amended by records that exist", (file) => {
    const status = read(file).split("\n")[2]!;
    const named = [...status.matchAll(/\b(\d{3})\b/g)].map((match) => match[1]!);
    expect(named.filter((n) => !numbers.has(n))).toEqual([]);
  });
});
