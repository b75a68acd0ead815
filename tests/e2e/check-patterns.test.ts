/**
 * Issue 11, pattern by pattern, end to end through dist under Node 24: each numbered pattern has fixtures
 * (tests/fixtures/real-patterns) whose findings land at the right file:line and whose named traps are not reported.
 * Text-only fixtures run through the CLI with --no-build; those marked "build" run through the action
 * (dist/index.js, scripts/local-runner.mjs) with a real build on the test bed, so the image proofs are checked too.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { checkoutOf, loadFixtures, mismatches, runCli } from '../../scripts/real-patterns-table.mjs';
import { runAction } from '../helpers/run-action.js';

const PATTERNS: Record<number, string> = {
  1: 'USER through ARG',
  2: 'secret-like ARGs before the first FROM',
  3: 'secret names by token, not substring',
  4: 'external images copied into the runner',
  5: 'passwordless sudo in the final stage',
  6: 'secret files baked into the image, setuid files',
  7: 'a failed build does not look like a pass',
  8: 'the stage to check follows Compose',
  9: 'the .dockerignore rule fires only where it matters',
  10: 'large anchor-heavy files; alias bombs refused',
  11: 'limits that resolve to 0 are no limits',
  12: 'user: with group root',
  13: 'host namespaces and confinement',
  14: 'stateful services by repository',
  15: 'authentication switched off',
  16: 'include:',
  17: 'schema validation',
  18: 'bind mounts by what they hold',
  19: 'one story for secret modes',
};
const FIXTURES = loadFixtures();
const CASES = Object.entries(PATTERNS).flatMap(([n, title]) =>
  FIXTURES.filter((f) => f.expected.patterns?.includes(Number(n))).map((f) => [n, title, f.name, f] as const),
);

test('every numbered pattern has a fixture that must show a finding', () => {
  const shown = Object.keys(PATTERNS).filter((n) =>
    FIXTURES.some((f) => f.expected.patterns?.includes(Number(n)) && (f.expected.present ?? []).length > 0),
  );
  expect(shown).toEqual(Object.keys(PATTERNS));
});

test.each(CASES)('pattern %s (%s): %s', async (_n, _title, name, { expected }) => {
  const dir = await checkoutOf(name);
  try {
    if (expected.build) {
      const run = await runAction(dir, expected.inputs ?? {});
      // Findings are the titled annotations; an untitled error would be a crash.
      expect(run.annotations.filter((a) => !a.title && a.severity === 'error')).toEqual([]);
      const findings = run.annotations
        .filter((a) => a.title)
        .map((a) => ({
          rule: a.title!.split(' ')[0]!,
          severity: a.severity,
          message: a.message,
          file: a.file,
          line: a.line,
        }));
      expect(mismatches(expected, findings, true)).toEqual([]);
    } else {
      const run = await runCli(dir, expected.inputs);
      expect(mismatches(expected, run.report?.findings ?? [], false)).toEqual([]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('pattern 10: a 50 MB compose file and the alias bomb are refused fast, each with one error at its file', async () => {
  const dir = await checkoutOf('17-alias-bomb');
  try {
    await writeFile(path.join(dir, 'docker-compose.prod.yml'), `services: {}\n${'#'.repeat(50 * 1024 * 1024)}\n`);
    const run = await runCli(dir, { 'compose-files': 'docker-compose.yml docker-compose.prod.yml' });
    console.log(`alias bomb + 50 MB file refused by the CLI in ${run.ms.toFixed(0)} ms (Node start included)`);
    expect(run.ms).toBeLessThan(2000);
    const of = (rule: string) => run.report!.findings.filter((f) => f.rule === rule);
    expect(of('DA-CMP-004').map((f) => [f.severity, f.file])).toEqual([['error', 'docker-compose.prod.yml']]);
    expect(of('DA-CMP-003').map((f) => [f.severity, f.file, f.line])).toEqual([['error', 'docker-compose.yml', 6]]);
    expect(run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
