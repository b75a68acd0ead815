import path from 'node:path';
import { parse } from 'yaml';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { stackConfig } from '../../src/action/deploy-mode.js';
import { durationSeconds, monitorSeconds, renderStackFile, VERSION_LABEL } from '../../src/deploy/stack-file.js';

const example = path.resolve(import.meta.dirname, '../../examples/doongzi-backend');
const fixtures = path.resolve(import.meta.dirname, '../fixtures/deploy-e2e');

async function exampleConfig(extra: string[] = [], env: Record<string, string> = {}) {
  const load = await loadCompose({
    cwd: example,
    files: ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml', ...extra],
    env,
  });
  const model = buildModel(load, [...load.issues])!;
  return stackConfig(model, (p) => path.relative(example, p).split(path.sep).join('/'));
}

const base = {
  image: 'doongzi/backend:1.2.3',
  buildServices: ['app'],
  secretNames: { db_password: 'doongzi_db_password_0123456789ab' },
  runtimeUser: { uid: 999, gid: 999 },
  version: '1.2.3',
};

test('the example renders as a stack: build gone, image pinned, versioned external secret owned by the runtime user at 0400', async () => {
  const r = renderStackFile({ ...base, config: await exampleConfig() });
  const doc = parse(r.text);
  expect(r.services).toEqual(['app']);
  expect(r.pinnedServices).toEqual(['app']);
  expect(doc.version).toBe('3.9');
  expect(doc.name).toBeUndefined();
  const app = doc.services.app;
  expect(app.build).toBeUndefined();
  expect(app.restart).toBeUndefined();
  expect(app.image).toBe('doongzi/backend:1.2.3');
  expect(app.env_file).toEqual(['.env.prod']);
  expect(app.environment).toEqual({ DB_PASSWORD_FILE: '/run/secrets/db_password' });
  expect(app.secrets).toEqual([{ source: 'db_password', target: 'db_password', uid: '999', gid: '999', mode: 0o400 }]);
  expect(doc.secrets).toEqual({ db_password: { external: true, name: 'doongzi_db_password_0123456789ab' } });
  expect(app.deploy.resources.limits).toEqual({ cpus: '1', memory: '536870912' });
  expect(app.deploy.restart_policy).toEqual({ condition: 'any' });
  expect(app.deploy.labels).toEqual({ [VERSION_LABEL]: '1.2.3' });
  // start_period 2s + interval 2s × retries 5
  expect(app.deploy.update_config).toEqual({
    parallelism: 1,
    delay: '0s',
    monitor: '12s',
    max_failure_ratio: 0,
    order: 'start-first',
    failure_action: 'rollback',
  });
  expect(app.deploy.rollback_config).toEqual({
    parallelism: 0,
    monitor: '12s',
    failure_action: 'pause',
    order: 'start-first',
  });
  expect(app.networks).toEqual({ backend: null });
  expect(doc.networks).toEqual({ backend: {} });
  expect(r.warnings).toEqual([]);
});

test('host networking forces stop-first; values are interpolated once and $ stays literal', async () => {
  const r = renderStackFile({
    ...base,
    config: await exampleConfig([path.join(fixtures, 'swarm-host-network.yml')], { APP_VERSION: '9' }),
  });
  const doc = parse(r.text);
  expect(doc.services.app.deploy.update_config.order).toBe('stop-first');
  expect(doc.services.app.deploy.rollback_config.order).toBe('stop-first');
  expect(doc.services.app.networks).toEqual({ hostnet: null });
  expect(doc.networks).toEqual({ hostnet: { external: true, name: 'host' } });
  expect(doc.services.app.init).toBe(true);

  const withDollar = renderStackFile({
    ...base,
    config: {
      services: {
        app: {
          image: 'x',
          environment: { A: 'p$$w' },
          ports: [{ mode: 'host', target: 80, published: '8080', protocol: 'tcp' }],
        },
      },
    },
  });
  expect(withDollar.text).toContain('A: p$$w');
  expect(parse(withDollar.text).services.app.deploy.update_config.order).toBe('stop-first');
});

test('the user update_config is kept, except failure_action; unsupported keys are dropped with a warning', () => {
  const r = renderStackFile({
    ...base,
    config: {
      services: {
        app: {
          image: 'x',
          privileged: true,
          build: { context: '.' },
          cpus: 0.5,
          mem_limit: '268435456',
          deploy: {
            update_config: { parallelism: 2, failure_action: 'continue', monitor: '30s' },
            placement: {},
            resources: {},
          },
          healthcheck: { test: ['CMD', 'true'], interval: '1s', retries: 2, start_period: '1s' },
        },
        db: { image: 'postgres:16' },
      },
    },
  });
  const doc = parse(r.text);
  expect(doc.services.app.deploy.update_config).toMatchObject({
    parallelism: 2,
    monitor: '30s',
    failure_action: 'rollback',
    order: 'start-first',
  });
  expect(doc.services.app.deploy.rollback_config.monitor).toBe('5s');
  expect(doc.services.app.deploy.resources).toEqual({ limits: { cpus: '0.5', memory: '268435456' } });
  expect(doc.services.app.deploy.placement).toBeUndefined();
  expect(doc.services.app.privileged).toBeUndefined();
  expect(doc.services.db.image).toBe('postgres:16');
  expect(r.pinnedServices).toEqual(['app']);
  expect(r.warnings).toEqual([
    'service app: privileged is not supported by docker stack deploy and left out of the stack',
    'service app: deploy.update_config.failure_action continue is replaced by rollback',
  ]);
});

test('a secret without a value, or no service, is refused', () => {
  expect(() =>
    renderStackFile({ ...base, config: { services: { app: { image: 'x', secrets: [{ source: 'api_key' }] } } } }),
  ).toThrow(/uses the secret api_key, which has no value/);
  expect(() => renderStackFile({ ...base, config: { services: {} } })).toThrow(/no service/);
});

test('durations and the monitor window', () => {
  expect(durationSeconds('1m30s')).toBe(90);
  expect(durationSeconds('500ms')).toBe(0.5);
  expect(durationSeconds('bogus')).toBeUndefined();
  expect(monitorSeconds(undefined)).toBe(10);
  expect(monitorSeconds({ interval: '1s', retries: 2, start_period: '1s' })).toBe(5);
  expect(monitorSeconds({ interval: '30s', retries: 5 })).toBe(60);
  expect(monitorSeconds({ test: ['NONE'] })).toBe(10);
});
