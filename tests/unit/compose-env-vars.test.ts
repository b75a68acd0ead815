import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckInputs } from '../../src/action/inputs.js';
import { checkCompose } from '../../src/compose/check.js';
import { interpolationEnv } from '../../src/compose/interpolation-env.js';

test('only the listed names reach interpolation; an unset listed name is an error naming it', () => {
  const env = { APP_VERSION: '2.0.0', HOME: '/root', EMPTY: '' };
  expect(interpolationEnv(['APP_VERSION', 'EMPTY'], env)).toEqual({ APP_VERSION: '2.0.0', EMPTY: '' });
  expect(interpolationEnv([], env)).toEqual({});
  expect(() => interpolationEnv(['APP_VERSION', 'NOT_SET_X'], env)).toThrow(
    "Input 'env-vars' lists NOT_SET_X, which is not set in the step's environment",
  );
  expect(() => interpolationEnv(['A_1', 'B_2'], {})).toThrow(/lists A_1, B_2, which are not set/);
});

test('env-vars is read from newlines or spaces, and a name that is not one is refused', () => {
  const read = (v: string) => readCheckInputs((n) => (n === 'env-vars' ? v : ''), '/w').envVars;
  expect(read('APP_VERSION\n  LOG_LEVEL other_1')).toEqual(['APP_VERSION', 'LOG_LEVEL', 'other_1']);
  expect(read('')).toEqual([]);
  expect(() => read('APP-VERSION')).toThrow("Input 'env-vars': 'APP-VERSION' is not a variable name");
});

test('the compose check sees a step variable only when listed; the project .env applies under it', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'da-envvars-'));
  try {
    mkdirSync(path.join(tmp, '.git'));
    mkdirSync(path.join(tmp, 'deploy'));
    writeFileSync(
      path.join(tmp, 'deploy/compose.yml'),
      'services:\n  app:\n    image: shop/app:${APP_VERSION:-dev}\n    labels: {tier: "${TIER:-none}"}\n',
    );
    writeFileSync(path.join(tmp, 'deploy/.env'), 'TIER=from-dotenv\n');
    const step = { APP_VERSION: '3.1.0', TIER: 'from-step' };
    const load = async (names: string[]) => {
      const r = await checkCompose({
        cwd: tmp,
        repositoryRoot: tmp,
        settingsFile: path.join(tmp, 'none.yml'),
        files: ['deploy/compose.yml'],
        env: interpolationEnv(names, step),
        buildContext: tmp,
        dockerfile: path.join(tmp, 'deploy/Dockerfile'),
      });
      const app = r.model!.services[0]!;
      return [app.image?.value, r.model!.env['TIER']];
    };
    expect(await load([])).toEqual(['shop/app:dev', 'from-dotenv']);
    expect(await load(['APP_VERSION'])).toEqual(['shop/app:3.1.0', 'from-dotenv']);
    expect(await load(['APP_VERSION', 'TIER'])).toEqual(['shop/app:3.1.0', 'from-step']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
