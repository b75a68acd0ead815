/**
 * Text Compose refuses: a compose file or env file that is not UTF-8, an env_file that is a directory. Each is one
 * clear error naming the file (and the line of the first bad byte), never a silently replaced character.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byRule, check, cleanup, makeProject, PROD_FILES, seedLayout } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

/** The seed layout with extra files written as raw bytes. */
async function checkWith(raw: Record<string, Buffer>, extra: Record<string, string> = {}, files = PROD_FILES) {
  const dir = makeProject(seedLayout(extra));
  dirs.push(dir);
  for (const [path, bytes] of Object.entries(raw)) writeFileSync(join(dir, path), bytes);
  return { dir, ...(await check(dir, files)) };
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('invalid UTF-8', () => {
  test('in a compose file: one error at the line of the bad byte', async () => {
    const { findings, model } = await checkWith(
      { 'deploy/extra.yml': latin1('services:\n  app:\n    labels:\n      owner: "caf\xe9"\n') },
      {},
      [...PROD_FILES, 'deploy/extra.yml'],
    );
    expect(model).toBeUndefined();
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'DA-CMP-002',
        severity: 'error',
        message: expect.stringMatching(/^compose file .*deploy\/extra\.yml is not valid UTF-8 \(byte 47, line 4\)/),
        location: { file: 'deploy/extra.yml', line: 4, column: 18 },
      }),
    ]);
  });

  test('a character cut off at the end of the file is invalid too', async () => {
    const { findings } = await checkWith(
      {
        'deploy/extra.yml': Buffer.concat([Buffer.from('services:\n  app:\n    user: "\n'), Buffer.from([0xe2, 0x82])]),
      },
      {},
      [...PROD_FILES, 'deploy/extra.yml'],
    );
    expect(findings.map((f) => [f.ruleId, f.location?.line, f.location?.column])).toEqual([['DA-CMP-002', 4, 1]]);
  });

  test('in the project .env: one error naming it', async () => {
    const { findings, model } = await checkWith({ 'deploy/.env': latin1('APP_VERSION=1.0\nOWNER=Jos\xe9\n') });
    expect(model).toBeUndefined();
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'DA-CMP-010',
        message: expect.stringMatching(/^env file .*deploy\/\.env is not valid UTF-8/),
        location: { file: 'deploy/.env', line: 2, column: 10 },
      }),
    ]);
  });

  test('in an env_file: one error naming the env file', async () => {
    const { findings } = await checkWith({ '.env.prod': latin1('APP_ENV=prod\nGREETING=ol\xe1\n') });
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: 'DA-CMP-010', location: { file: '.env.prod', line: 2, column: 12 } }),
    ]);
  });

  test('valid multi-byte UTF-8 and a BOM load as before', async () => {
    const { findings, model } = await checkWith(
      {
        'deploy/extra.yml': Buffer.from('\ufeffservices:\n  app:\n    labels:\n      owner: "café ☕ 🚀"\n'),
        '.env.prod': Buffer.from('APP_ENV=prod\nGREETING=olá\n'),
      },
      {},
      [...PROD_FILES, 'deploy/extra.yml'],
    );
    expect(findings.map((f) => f.ruleId)).toEqual(['DA-CMP-031']);
    expect(model!.services[0]!.node.entries.get('labels')).toBeDefined();
  });
});

test('an env_file that is a directory: the error Compose gives, at the env_file line', async () => {
  const dir = makeProject(seedLayout());
  dirs.push(dir);
  mkdirSync(join(dir, 'deploy/conf.env'));
  writeFileSync(join(dir, 'deploy/extra.yml'), 'services:\n  app:\n    env_file:\n      - conf.env\n');
  const { findings, model } = await check(dir, [...PROD_FILES, 'deploy/extra.yml']);
  expect(model).toBeUndefined();
  expect(findings).toEqual([
    expect.objectContaining({
      ruleId: 'DA-CMP-010',
      message: `read ${join(dir, 'deploy/conf.env')}: is a directory`,
      location: expect.objectContaining({ file: 'deploy/extra.yml', line: 4 }),
    }),
  ]);
  expect(byRule(findings, 'DA-CMP-011')).toEqual([]);
});
