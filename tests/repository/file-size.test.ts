/**
 * No source file under app/ grows past 300 lines: a file that long holds more than one concern
 * and is split by concern instead. Reads the repository's files; starts nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LIMIT = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|tsx|sql)$/.test(entry.name) ? [relative] : [];
  });
}

describe("app/", () => {
  it(`has no source file over ${LIMIT} lines`, () => {
    const files = sourceFiles("app");
    expect(files.length).toBeGreaterThan(50);
    const long = files
      .map((file) => ({
        file,
        lines: readFileSync(path.join(ROOT, file), "utf8").split("\n").length - 1,
      }))
      .filter(({ lines }) => lines > LIMIT);
    expect(long).toEqual([]);
  });
});
