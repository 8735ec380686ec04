import { DEFAULT_EMBEDDED, startEmbeddedPostgres } from "./lib/embedded-postgres.ts";
const pg = await startEmbeddedPostgres(DEFAULT_EMBEDDED);
console.log(pg.url);
await new Promise((r) => setTimeout(r, 300000));
await pg.stop();
