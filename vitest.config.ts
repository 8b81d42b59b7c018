import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "components/**/*.test.ts", "policies/**/*.test.ts"],
    // Pulumi's mock runtime is process-global state: isolate files, never share a worker between them.
    pool: "forks",
    testTimeout: 30_000,
  },
});
