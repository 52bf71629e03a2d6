import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates the D1 migrations from src/db/schema.ts into the repo's `drizzle/` folder. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "../../drizzle",
});
