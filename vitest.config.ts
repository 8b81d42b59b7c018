import { defineConfig } from "vitest/config";

/** Files that replace a module with vi.mock: they get a fresh module registry of their own. */
const needsOwnModules = ["test/policies/stack-variants.test.ts"];

export default defineConfig({
  test: {
    // Forks, not threads: tests chdir and spawn processes, which worker threads do not allow.
    pool: "forks",
    // Whole-stack plans and IAM simulations take seconds alone and several times that on a shared, loaded machine.
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "shared",
          include: ["test/**/*.test.ts", "components/**/*.test.ts", "policies/**/*.test.ts"],
          exclude: needsOwnModules,
          // Importing the five Pulumi SDKs costs ~1 s per file; a worker keeps them loaded between files.
          // Safe because Pulumi's mock runtime is reset by setMocks at the start of every whole-program run
          // (tools/lib/plan.ts, test/helpers/mocks.ts), and files in one worker run one after another.
          isolate: false,
        },
      },
      { extends: true, test: { name: "own-modules", include: needsOwnModules } },
    ],
  },
});
