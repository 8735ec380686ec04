// The canary (scripts/ci/canary.ts): a program that starts the embedded PostgreSQL, as the chaos
// run, the benchmarks and the demo do, and then sets its exit code the way they report a failed
// check, must exit with that code. It leaves its cluster running on purpose: the cluster must stop
// and its ephemeral data directory go when this process ends.
import path from "node:path";
import { PROJECT_ROOT, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";

await startEmbeddedPostgres({
  dir: path.join(PROJECT_ROOT, ".data", `test-${process.pid}_exit-code`),
  port: await freePort(),
  database: "canary",
  ephemeral: true,
});
console.log("a failed check: exit code 3");
process.exitCode = 3;
