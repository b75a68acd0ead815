/**
 * Our merge against what Docker Compose printed for each merge fixture (the recordings beside them, written by
 * scripts/compose-recordings.mjs). No engine: tests/e2e/compose-merge.test.ts keeps the recordings honest.
 */
import { caseEnv, mergeCases, portable, readRecording } from '../../scripts/compose-recordings.mjs';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { toComposeConfigJson } from '../../src/compose/project.js';

const all = mergeCases();

test('every merge fixture has a recording', () => {
  expect(all.length).toBeGreaterThanOrEqual(20);
  expect(all.filter((c) => readRecording(c) === undefined).map((c) => c.name)).toEqual([]);
});

test.each(all.map((c) => [c.name, c] as const))('%s merges as Compose recorded it', async (_name, c) => {
  const load = await loadCompose({ cwd: c.dir, files: c.files, env: caseEnv(c.vars) });
  expect(load.issues).toEqual([]);
  const model = buildModel(load, load.issues);
  expect(model).toBeDefined();
  expect(portable(await toComposeConfigJson(model!), c.dir)).toEqual(readRecording(c));
});
