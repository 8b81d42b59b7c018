import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Forks, not threads: tests chdir and spawn processes, which worker threads do not allow.
    pool: "forks",
    // Two workers more than there are cores (vitest's default is one fewer, a single worker on 2 cores): many files
    // spend most of their time waiting on processes they spawned (the CLIs, bash, systemd-analyze, shellcheck) or
    // on the deadlines of the host scripts they drive, and spare workers keep the cores busy meanwhile; measured on
    // 2 cores, a third spare worker gains nothing. Each worker loads the SDKs once (isolate: false below).
    maxWorkers: availableParallelism() + 2,
    // Each worker defers the SDK parts no test calls, as the bundled tools do.
    setupFiles: ["test/helpers/setup.ts"],
    // Whole-stack plans and IAM simulations take seconds alone and several times that on a shared, loaded machine.
    testTimeout: 60_000,
    include: ["test/**/*.test.ts", "components/**/*.test.ts", "policies/**/*.test.ts"],
    // Importing the five Pulumi SDKs costs ~1 s per file; a worker keeps them loaded between files. Safe because
    // Pulumi's mock runtime is reset by setMocks at the start of every whole-program run (tools/lib/plan.ts,
    // test/helpers/mocks.ts) and files in one worker run one after another; for the same reason no test
    // replaces a module (vi.mock): the replacement would leak into the files after it.
    isolate: false,
  },
});
