/**
 * Every fixture of tests/fixtures/real-patterns through the CLI (dist/cli/index.js under Node 24) with --no-build:
 * the findings its expected.json names appear at their file:line, its traps do not, and a clean setup has no error.
 * The image half of the fixtures marked "build" is proved by check-patterns.test.ts.
 */
import { rm } from 'node:fs/promises';
import { checkoutOf, loadFixtures, mismatches, runCli } from '../../scripts/real-patterns-table.mjs';

const FIXTURES = loadFixtures();

test('there are at least 25 fixtures, clean and flawed ones, each saying what it models', () => {
  expect(FIXTURES.length).toBeGreaterThanOrEqual(25);
  expect(FIXTURES.filter((f) => f.expected.clean).length).toBeGreaterThanOrEqual(5);
  expect(FIXTURES.filter((f) => (f.expected.present ?? []).some((p) => !p.image)).length).toBeGreaterThanOrEqual(20);
  for (const f of FIXTURES) expect(f.expected.modelledOn).toMatch(/\w{4}/);
});

test.each(FIXTURES.map((f) => [f.name, f] as const))('%s', async (name, { expected }) => {
  const dir = await checkoutOf(name);
  try {
    const run = await runCli(dir, expected.inputs);
    expect(run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(run.report).toBeDefined();
    expect(mismatches(expected, run.report!.findings, false)).toEqual([]);
    // The CLI's exit status follows the errors (--fail-on never is what the helper passes: always 0).
    expect(run.code).toBe(0);
    if (expected.maxMs) {
      console.log(`${name}: checked by the CLI in ${run.ms.toFixed(0)} ms (Node start included)`);
      expect(run.ms).toBeLessThan(expected.maxMs);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
