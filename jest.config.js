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
};
