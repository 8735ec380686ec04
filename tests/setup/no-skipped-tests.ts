/**
 * A vitest reporter that fails the run when any test did not run: skipped (`skip`, `todo`,
 * `ctx.skip()`, or left behind by a failing hook). A skipped test is a check that silently stopped
 * checking; the suite keeps none (the canary proves this reporter fails the run).
 */
import type { Reporter, TestModule } from "vitest/node";

export default class NoSkippedTests implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const skipped = testModules.flatMap((module) =>
      [...module.children.allTests("skipped")].map(
        (test) => `${module.project.name} ${module.moduleId}: ${test.fullName}`,
      ),
    );
    if (skipped.length === 0) return;
    process.stderr.write(
      `\n${skipped.length} test(s) did not run; the suite keeps no skipped tests:\n` +
        skipped.map((line) => `  - ${line}\n`).join(""),
    );
    process.exitCode = 1;
  }
}
