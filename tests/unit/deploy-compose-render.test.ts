import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { stackConfig } from '../../src/action/deploy-mode.js';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { releasePath, renderComposeFile, withReleasePaths } from '../../src/deploy/compose-render.js';

const BASE = `name: shop
services:
  app:
    image: shop/app:\${APP_VERSION:-dev}
    build: {context: .., dockerfile: deploy/Dockerfile}
    pull_policy: build
    command: ["sh", "-c", "echo $$HOME \${GREETING}"]
    environment:
      APP_VERSION: \${APP_VERSION:-dev}
      PRICE: "5$$"
      FROM_HOST:
    env_file: ../.env.prod
    labels:
      release: v\${APP_VERSION:-dev}
    volumes:
      - ./data:/data
      - /var/lib/shop:/state:ro
    secrets: [db_password]
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 256M}
secrets:
  db_password:
    file: ../secrets/db_password.txt
`;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'da-render-'));
  mkdirSync(path.join(tmp, '.git'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Loads compose files under `dir` with our own loader, as the check does, and projects them as the deploy does. */
async function composeConfig(dir: string, files: string[], env: Record<string, string>) {
  writeFileSync(path.join(dir, '.env.prod'), 'APP_ENV=prod\n');
  const load = await loadCompose({ cwd: dir, files, env, repositoryRoot: dir });
  const issues = [...load.issues];
  const model = buildModel(load, issues);
  expect(issues).toEqual([]);
  return withReleasePaths(await stackConfig(model!, (p) => path.relative(dir, p).split(path.sep).join('/')), dir);
}

test('render → our own loader → the same model: interpolated once, $ kept literal, build gone, paths release-relative', async () => {
  mkdirSync(path.join(tmp, 'deploy'));
  writeFileSync(path.join(tmp, 'deploy/docker-compose.yml'), BASE);
  const config = await composeConfig(tmp, ['deploy/docker-compose.yml'], { APP_VERSION: '1.4.2', GREETING: 'hi' });
  const text = renderComposeFile({ config, projectName: 'shop-prod', version: '1.4.2' });
  const doc = parse(text);
  expect(doc.name).toBe('shop-prod');
  const app = doc.services.app;
  expect(app.build).toBeUndefined();
  expect(app.pull_policy).toBeUndefined();
  expect(app.image).toBe('shop/app:1.4.2');
  expect(app.environment).toEqual({ APP_VERSION: '1.4.2', PRICE: '5$$' }); // FROM_HOST: no value here, left out
  expect(app.command).toEqual(['sh', '-c', 'echo $$HOME hi']);
  expect(app.volumes.map((v: { source: string }) => v.source)).toEqual(['./deploy/data', '/var/lib/shop']);
  expect(app.env_file).toEqual(['.env.prod']);
  expect(doc.secrets.db_password.file).toBe('./secrets/db_password.txt');
  // The Compose schema takes a limit's memory as a string only.
  expect(app.deploy.resources.limits).toEqual({ cpus: 0.5, memory: '268435456' });

  // The release: the rendered file at its root, loaded with a different (host) environment that must change nothing.
  const release = mkdtempSync(path.join(os.tmpdir(), 'da-render-release-'));
  try {
    mkdirSync(path.join(release, '.git'));
    writeFileSync(path.join(release, 'rendered.yml'), text);
    const again = await composeConfig(release, ['rendered.yml'], {
      APP_VERSION: '6.6.6',
      GREETING: 'host',
      HOME: '/x',
    });
    const {
      build: _b,
      pull_policy: _p,
      ...appBefore
    } = (config['services'] as Record<string, Record<string, unknown>>)['app']!;
    const appAfter = (again['services'] as Record<string, Record<string, unknown>>)['app']!;
    const env = appBefore['environment'] as Record<string, unknown>;
    delete env['FROM_HOST'];
    expect(appAfter).toEqual(appBefore);
    expect(again['secrets']).toEqual(config['secrets']);
    expect(again['name']).toBe('shop-prod');
  } finally {
    rmSync(release, { recursive: true, force: true });
  }
});

test('releasePath: inside the project → ./relative; the host’s own absolute paths stay', () => {
  expect(releasePath('/w/proj/deploy/data', '/w/proj')).toBe('./deploy/data');
  expect(releasePath('/w/proj', '/w/proj')).toBe('.');
  expect(releasePath('/var/lib/app', '/w/proj')).toBe('/var/lib/app');
  expect(releasePath('/w/project2/x', '/w/proj')).toBe('/w/project2/x');
});

test('a model with no service is refused', () => {
  expect(() => renderComposeFile({ config: { services: {} }, projectName: 'p', version: '1' })).toThrow(/no service/);
});
