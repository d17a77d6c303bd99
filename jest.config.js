// Jest runs the TypeScript sources as native ES modules (NestJS 12 ships ESM only), compiled by ts-jest.
// `npm test` passes --experimental-vm-modules. Tiers: unit specs beside the code, e2e over real HTTP in test/e2e,
// and the store contract suite in test/store (its PostgreSQL leg runs when STEWARD_TEST_PG_URL is set).
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/plugins/**/*.spec.ts'] },
    { ...common, displayName: 'store', testMatch: ['<rootDir>/test/store/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
  testTimeout: 30000,
  // Three workers on CI's two cores: most suites wait on HTTP, SSE, child processes and the store rather than compute,
  // and every suite has its own daemon, directory, port and database, so they run side by side (one worker took 705 s
  // of CI's 875 s; two took 806 s for 152 suites, three 601 s - and their load showed two timing-fragile tests, fixed).
  maxWorkers: 3,
};
