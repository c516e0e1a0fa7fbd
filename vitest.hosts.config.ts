import { defineConfig } from 'vitest/config';

// `npm run test:hosts`: the multi-host suite (tests/hosts), apart from `npm test` because it needs
// root (network namespaces) and takes minutes. One file at a time: the hosts share one machine.
export default defineConfig({
  test: {
    include: ['tests/hosts/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
