/**
 * Proves the merge against the real engine: for every case under tests/fixtures/compose-merge/, the live
 * `docker compose -f … config --format json --no-normalize` must equal the recording beside the case (so a stale
 * recording fails here; `node scripts/compose-recordings.mjs` rewrites them) and our merged model, projected to
 * the same JSON shape. The unit tests compare our merge with the recordings without an engine.
 *
 * `--no-normalize` because normalisation adds defaults that are not merge semantics (the implicit `default`
 * network, project-prefixed resource names, image defaults); path resolution stays on, so relative paths
 * (binds, build contexts, env files, secret files, `extends.file`) are proven too.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  caseEnv,
  liveComposeConfig,
  type MergeCase,
  mergeCases,
  portable,
  readRecording,
} from '../../scripts/compose-recordings.mjs';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { toComposeConfigJson } from '../../src/compose/project.js';

const here = dirname(fileURLToPath(import.meta.url));
const example = resolve(here, '../../examples/doongzi-backend');

async function ours(c: MergeCase): Promise<unknown> {
  const load = await loadCompose({ cwd: c.dir, files: c.files, env: caseEnv(c.vars) });
  expect(load.issues).toEqual([]);
  const model = buildModel(load, load.issues);
  expect(model).toBeDefined();
  return toComposeConfigJson(model!);
}

describe('merge matches docker compose config', () => {
  const all = mergeCases();
  test('the corpus has at least 20 merge cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  test.each(all.map((c) => [c.name, c] as const))('%s: live Compose = recording = ours', async (_name, c) => {
    const [live, actual] = await Promise.all([liveComposeConfig(c), ours(c)]);
    // Stale: Compose prints something else now (run node scripts/compose-recordings.mjs and review the diff).
    expect(portable(live, c.dir)).toEqual(readRecording(c));
    expect(actual).toEqual(live);
  });

  test('doongzi example: base + prod', async () => {
    // The prod env file and secret are gitignored, so a checkout lacks them; Compose needs them to print config.
    const tmp = mkdtempSync(join(tmpdir(), 'da-compose-example-'));
    try {
      cpSync(example, tmp, { recursive: true });
      // The copy is a checkout of its own (its .env.prod is above deploy/): the check reads no file outside one.
      mkdirSync(join(tmp, '.git'));
      writeFileSync(join(tmp, '.env.prod'), 'APP_ENV=prod\nDB_HOST=db.internal\n');
      mkdirSync(join(tmp, 'secrets'), { recursive: true });
      writeFileSync(join(tmp, 'secrets/db_password.txt'), 'not-a-real-password\n');
      const c: MergeCase = {
        name: 'example',
        dir: join(tmp, 'deploy'),
        files: [join(tmp, 'deploy/docker-compose.yml'), join(tmp, 'deploy/docker-compose.prod.yml')],
        vars: { APP_VERSION: '1.4.2' },
      };
      const [expected, actual] = await Promise.all([liveComposeConfig(c), ours(c)]);
      expect(actual).toEqual(expected);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
