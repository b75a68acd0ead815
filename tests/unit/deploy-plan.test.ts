import { utils } from 'ssh2';
import { parse } from 'yaml';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, checkRelativePath, valuesToMask, type DeploySource } from '../../src/deploy/plan.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const env = { DB_PASSWORD: 's3cret\nline two', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
const inputs = (over: Record<string, string> = {}) =>
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': 'app1.example\napp2.example:2200',
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': `app1.example ${hostKey}\n[app2.example]:2200 ${hostKey}`,
        'deploy-secrets': 'db_password=DB_PASSWORD',
        'env-file': 'APP_ENV=prod',
        ...over,
      })[n] ?? '',
    env,
  );
const source = (over: Partial<DeploySource> = {}): DeploySource => ({
  projectName: 'doongzi',
  composeFiles: [
    {
      path: 'deploy/docker-compose.yml',
      content: 'services: {app: {image: "doongzi/backend:${APP_VERSION:-dev}", build: {context: ..}}}\n',
    },
    { path: 'deploy/docker-compose.prod.yml', content: 'secrets: {db_password: {file: ../secrets/db_password.txt}}\n' },
  ],
  buildServices: ['app'],
  secretFiles: [{ name: 'db_password', file: 'secrets/db_password.txt', services: ['app'] }],
  envFiles: ['.env.prod'],
  runtimeUser: { uid: 999, gid: 999 },
  image: { localRef: 'sha256:abc', repository: 'doongzi/backend' },
  event: { eventName: 'push', ref: 'refs/tags/v1.2.3', sha: '0123456789abcdef0123456789abcdef01234567' },
  ...over,
});

test('the plan mirrors the project layout and pins the built service to the release tag', () => {
  const plan = buildDeployPlan(inputs(), source());
  expect(plan.version.version).toBe('1.2.3');
  expect(plan.image.targetRefs).toEqual(['doongzi/backend:1.2.3', 'doongzi/backend:sha-0123456']);
  expect(plan.composeFiles).toEqual([
    'deploy/docker-compose.yml',
    'deploy/docker-compose.prod.yml',
    'deploy/docker-compose.deploy-action.yml',
  ]);
  expect(plan.files.map((f) => [f.relativePath, f.mode])).toEqual([
    ['deploy/docker-compose.yml', '0644'],
    ['deploy/docker-compose.prod.yml', '0644'],
    ['deploy/docker-compose.deploy-action.yml', '0644'],
    ['.env.prod', '0600'],
  ]);
  expect(parse(plan.files[2]!.content.toString())).toEqual({ services: { app: { image: 'doongzi/backend:1.2.3' } } });
  expect(plan.files[3]!.content.toString()).toBe('APP_ENV=prod\n');
  expect(plan.secrets).toEqual([
    {
      name: 'db_password',
      relativePath: 'secrets/db_password.txt',
      value: Buffer.from(env.DB_PASSWORD),
      services: ['app'],
    },
  ]);
  expect(plan.secretEnvVars).toEqual(['DB_PASSWORD']);
  expect(plan.auth.keyFingerprint).toMatch(/^ssh-ed25519 SHA256:/);
  expect(plan.projectName).toBe('doongzi');
  expect(JSON.stringify({ ...plan, secrets: [], auth: {} })).not.toContain('s3cret');
});

test('registry delivery prefixes the registry; project-name overrides the compose name', () => {
  const plan = buildDeployPlan(
    inputs({ 'image-delivery': 'registry', registry: 'ghcr.io/doongzi', 'project-name': 'api' }),
    source(),
  );
  expect(plan.image.targetRefs).toEqual([
    'ghcr.io/doongzi/doongzi/backend:1.2.3',
    'ghcr.io/doongzi/doongzi/backend:sha-0123456',
  ]);
  expect(plan.projectName).toBe('api');
});

test('refused before connecting: unknown or missing secrets, paths leaving the release, unpinned hosts, bad keys', () => {
  expect(() =>
    buildDeployPlan(inputs({ 'deploy-secrets': 'db_password=DB_PASSWORD\nother=DB_PASSWORD' }), source()),
  ).toThrow('secrets: other is not a secret of the prod compose files (they declare db_password)');
  expect(() => buildDeployPlan(inputs({ 'deploy-secrets': '' }), source())).toThrow(
    'secrets: the compose secret db_password has no value; add a line `db_password=ENV_VAR_NAME`',
  );
  expect(() =>
    buildDeployPlan(inputs(), source({ secretFiles: [{ name: 'db_password', file: '../x', services: [] }] })),
  ).toThrow('secret db_password file: "../x" leaves the release directory');
  expect(() =>
    buildDeployPlan(inputs(), source({ secretFiles: [{ name: 'db_password', file: '/etc/shadow', services: [] }] })),
  ).toThrow(/must be a plain path relative/);
  expect(() => buildDeployPlan(inputs(), source({ envFiles: ['deploy/../../.env'] }))).toThrow(
    'env_file: "deploy/../../.env" leaves the release directory',
  );
  expect(() => buildDeployPlan(inputs({ 'ssh-known-hosts': `app1.example ${hostKey}` }), source())).toThrow(
    /ssh-known-hosts has no key for app2\.example:2200 \(looked up as \[app2\.example\]:2200\)/,
  );
  expect(() => buildDeployPlan(inputs({ 'ssh-key': 'not a key' }), source())).toThrow(
    /ssh-key is not a private key this action can read/,
  );
  expect(() => buildDeployPlan(inputs({ 'ssh-key': keys.public }), source())).toThrow(
    /ssh-key holds a public key|ssh-key is not a private key/,
  );
  const enc = utils.generateKeyPairSync('ed25519', { passphrase: 'pp', cipher: 'aes256-ctr', rounds: 16 }).private;
  expect(() => buildDeployPlan(inputs({ 'ssh-key': enc }), source())).toThrow(
    'ssh-key is encrypted: set ssh-key-passphrase',
  );
  expect(() => buildDeployPlan(inputs({ 'ssh-key': enc, 'ssh-key-passphrase': 'wrong' }), source())).toThrow(
    /ssh-key-passphrase does not decrypt ssh-key|not a private key/,
  );
  expect(buildDeployPlan(inputs({ 'ssh-key': enc, 'ssh-key-passphrase': 'pp' }), source()).auth.passphrase).toBe('pp');
  expect(() =>
    buildDeployPlan(
      inputs(),
      source({
        event: { eventName: 'pull_request', ref: 'refs/pull/1/merge', sha: '0123456789abcdef0123456789abcdef01234567' },
      }),
    ),
  ).toThrow(/allow-non-tag/);
});

test('relative paths: normalized, inside, not colliding with the deploy layout', () => {
  expect(checkRelativePath('./secrets//a.txt', 'x')).toBe('secrets/a.txt');
  expect(() => checkRelativePath('a/../../b', 'x')).toThrow('x: "a/../../b" leaves the release directory');
  expect(() => checkRelativePath('current', 'x')).toThrow(/collides/);
  expect(() => checkRelativePath('a\nb', 'x')).toThrow(/plain path/);
});

test('values to mask: each secret whole and line by line, the key and passwords', () => {
  const masks = valuesToMask(inputs({ 'ssh-key-passphrase': 'pp-secret' }));
  expect(masks).toEqual(expect.arrayContaining([env.DB_PASSWORD, 's3cret', 'line two', keys.private, 'pp-secret']));
});

test('with the merged model, the compose target uploads one rendered file plus the override; the raw files stay home', () => {
  const composeConfig = {
    name: 'doongzi',
    services: { app: { image: 'doongzi/backend:1.2.3', build: { context: '.' }, environment: { A: 'x$$y' } } },
  };
  const plan = buildDeployPlan(inputs({ 'project-name': 'shop' }), source({ composeConfig }));
  expect(plan.composeFiles).toEqual([
    'docker-compose.deploy-action.rendered.yml',
    'deploy/docker-compose.deploy-action.yml',
  ]);
  expect(plan.files.map((f) => f.relativePath)).toEqual([
    'docker-compose.deploy-action.rendered.yml',
    'deploy/docker-compose.deploy-action.yml',
    '.env.prod',
  ]);
  const doc = parse(plan.files[0]!.content.toString());
  expect(doc).toEqual({
    name: 'shop',
    services: { app: { image: 'doongzi/backend:1.2.3', environment: { A: 'x$$y' } } },
  });
  expect(() => buildDeployPlan(inputs(), source({ composeConfig: { services: {} } }))).toThrow(
    'compose-files: the prod compose files declare no service',
  );
});
