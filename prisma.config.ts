import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// Prisma's CLI runs its schema engine as WebAssembly through the pg driver adapter, so
// `prisma generate` and `prisma migrate deploy` work without downloading a native engine
// (docs/decisions/004-offline-prisma-migrations.md).
export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) {
      throw new Error(
        "DATABASE_URL is not set. Run Prisma through `npm run setup` (which starts the embedded Postgres) or set DATABASE_URL.",
      );
    }
    // allowExitOnIdle: the CLI exits as soon as it is done, not after the pool's idle timeout.
    return new PrismaPg({ connectionString, allowExitOnIdle: true });
  },
});
