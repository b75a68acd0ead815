// Unit tests cover pure logic; e2e tests drive dist/index.js under Node 24 against the real engine and sshd.
const tsJest = ['ts-jest', { useESM: true }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  projects: [
    // Unit tests share the CI machine with the e2e suites (two workers): a generous timeout keeps load from failing them.
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'], testTimeout: 30_000 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'], slowTestThreshold: 120, setupFilesAfterEnv: ['<rootDir>/tests/helpers/e2e-setup.ts'] },
  ],
};
