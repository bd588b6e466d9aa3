import { defineConfig } from 'vitest/config'

// Three projects, so each kind of test gets the time it needs and no more: a unit test that
// takes seconds is a bug, while an end-to-end test spawns the CLI and a fleet test starts
// sshd daemons. `npx vitest run --project unit` runs one kind.
export default defineConfig({
  test: {
    // Two cores: more workers only fight over them (a root-only setting, shared by the projects).
    maxWorkers: 2,
    // No test reads or writes the real ~/.cache/berth or ~/.config/berth.
    setupFiles: ['test/helpers/isolated-home-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 10_000, hookTimeout: 10_000 },
      },
      {
        // Each test runs the built CLI (bin/berth.js) against real directories, often several
        // times; the benchmark's own tests build a checkout with git and npm.
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'bench/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        // Starting a fleet of sshd hosts on a busy two-core machine can take most of a minute.
        extends: true,
        test: { name: 'ssh', include: ['test/ssh/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
})
