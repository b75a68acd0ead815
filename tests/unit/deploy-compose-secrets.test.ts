/**
 * The compose target's secret store and release reuse against scripted hosts: the route `auto` picks, the tar the
 * engine route sends, the override's files and keyed-hash labels, and the unchanged redeploy that stages nothing.
 */
import { createHmac } from 'node:crypto';
import tar from 'tar-stream';
import { utils } from 'ssh2';
import { parse } from 'yaml';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import {
  type Call,
  COMPOSE_SOURCE,
  FakeClock,
  log,
  records,
  ScriptedShell,
  STORE_KEY,
} from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const DEPLOY_PATH = '/srv/app';
const STORE = `${DEPLOY_PATH}/.deploy-action-secrets`;
const LOCAL = { id: 'sha256:abc' };
const noDocker = {} as LocalDocker;

const plan = (password: string, over: Record<string, string> = {}) =>
  buildDeployPlan(
    parseDeployInputs(
      (n) =>
        ({
          'ssh-host': 'a.example',
          'ssh-user': 'deployer',
          'ssh-key': keys.private,
          'ssh-known-hosts': `a.example ${hostKey}`,
          'deploy-path': DEPLOY_PATH,
          'deploy-secrets': 'db_password=DB_PASSWORD',
          ...over,
        })[n] ?? '',
      { DB_PASSWORD: password, GITHUB_REPOSITORY: 'doongzi/app' },
    ),
    COMPOSE_SOURCE,
  );

/** What the test expects the host's key to make of a value for the runtime user 999:999. */
const expectedHash = (value: string) =>
  createHmac('sha256', Buffer.from(STORE_KEY, 'hex')).update('999:999\0').update(value).digest('hex').slice(0, 32);

interface HostState {
  /** The live release and its manifest text, as the preflight reports them. */
  current?: { dir: string; manifest: string };
  chown: boolean;
  have: string[];
}

function host(state: HostState) {
  return (c: Call) => {
    if (c.name === 'preflight') {
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
          ...(state.current
            ? ([
                ['current', `releases/${state.current.dir}`],
                ['manifest', state.current.manifest],
              ] as Array<[string, string]>)
            : []),
        ]),
      };
    }
    if (c.name === 'image-probe') return { stdout: `${LOCAL.id}\n` };
    if (c.name === 'secret-store') {
      return {
        stdout: records([
          ['chown', state.chown ? 'yes' : 'no'],
          ...state.have.map((h): [string, string] => ['have', `${h} 999:999 400`]),
          ['key', STORE_KEY],
        ]),
      };
    }
    if (c.name === 'list-releases') return { stdout: records([['now', '100']]) };
    return undefined;
  };
}

async function deploy(state: HostState, password: string, over: Record<string, string> = {}) {
  const calls: Call[] = [];
  const l = log();
  const target = new ComposeTarget(
    plan(password, over),
    l,
    async (a: HostAddress) => new ScriptedShell(a.host, host(state), calls),
    new FakeClock(),
  );
  await target.deploy(LOCAL, noDocker);
  const body = (c: Call) => c.stdin!.subarray(c.stdin!.indexOf(10) + 1);
  const manifest = calls.find((c) => c.label === 'write manifest');
  const override = calls.find((c) => c.label === 'upload deploy/docker-compose.deploy-action.yml');
  return {
    calls,
    log: l.lines,
    names: calls.map((c) => c.name),
    manifest: manifest && body(manifest).toString(),
    override: override && (parse(body(override).toString()) as Record<string, unknown>),
    secretStdin: calls.filter((c) => c.name === 'write-secret').map(body),
  };
}

async function tarEntries(b: Buffer) {
  const out: Array<{ name: string; uid?: number; gid?: number; mode?: number; body: string }> = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d) => chunks.push(d as Buffer));
    stream.on('end', () => {
      out.push({ name: h.name, uid: h.uid, gid: h.gid, mode: h.mode, body: Buffer.concat(chunks).toString() });
      next();
    });
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  ex.end(b);
  await done;
  return out;
}

test('auto on a host that may not chown: the engine route gets one 0400 tar entry owned 999:999, under the temp name', async () => {
  const r = await deploy({ chown: false, have: [] }, 's3cret');
  const hash = expectedHash('s3cret');
  const script = r.calls.find((c) => c.name === 'write-secret')!;
  expect(script.text).toContain('docker create --network none');
  expect(script.text).toContain('docker cp -');
  expect(script.text).not.toContain('s3cret');
  const [entry, ...more] = await tarEntries(r.secretStdin[0]!);
  expect(more).toEqual([]);
  expect(entry).toMatchObject({ uid: 999, gid: 999, mode: 0o400, body: 's3cret' });
  expect(entry!.name).toMatch(new RegExp(`^\\.db_password\\.${hash}\\.tmp-[0-9a-f]{16}$`));
  expect(script.text).toContain(`'${STORE}/${entry!.name}'`);
  // The override points the secret at its store file and labels the service using it with the keyed hash.
  expect(r.override).toEqual({
    services: {
      app: { image: 'doongzi/backend:1.2.0', labels: { 'deploy-action.secret.db_password': hash } },
    },
    secrets: { db_password: { file: `${STORE}/db_password.${hash}` } },
  });
  expect(JSON.parse(r.manifest!)).toMatchObject({
    secretFiles: [`db_password.${hash}`],
    digest: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect(r.log).toContain(
    'info a.example:22: 1 of 1 secret file(s) written (engine), 0400, owner 999:999; the others were unchanged',
  );
  // Never the plain value's hash, nor the value, anywhere a script or the override can show it.
  const plainHash = createHmac('sha256', '').update('s3cret').digest('hex');
  expect(JSON.stringify(r.calls.map((c) => c.text)) + JSON.stringify(r.override)).not.toMatch(
    new RegExp(`s3cret|${plainHash.slice(0, 16)}`),
  );
});

test('auto on a host that may chown: the value goes framed to the chown route; secret-owner engine forces the engine route', async () => {
  const r = await deploy({ chown: true, have: [] }, 's3cret');
  expect(r.secretStdin.map(String)).toEqual(['s3cret']);
  expect(r.calls.find((c) => c.name === 'write-secret')!.text).toContain("chown '999:999'");
  const forced = await deploy({ chown: true, have: [] }, 's3cret', { 'secret-owner': 'engine' });
  expect(forced.calls.find((c) => c.name === 'write-secret')!.text).toContain('docker cp -');
});

test('an unchanged redeploy stages nothing and ups the live release; a rotated secret stages a new one with a new label', async () => {
  const first = await deploy({ chown: false, have: [] }, 's3cret');
  const hash = expectedHash('s3cret');
  const live = { dir: '1.2.0', manifest: first.manifest! };
  const again = await deploy({ chown: false, have: [`db_password.${hash}`], current: live }, 's3cret');
  expect(again.names).toEqual(['preflight', 'image-probe', 'image-tag', 'secret-store', 'compose-up']);
  expect(again.calls.at(-1)!.text).toContain(`cd -- '${DEPLOY_PATH}/releases/1.2.0'`);
  expect(again.calls.at(-1)!.text).not.toContain('--force-recreate');
  expect(
    again.log.some((l) => l.includes('releases/1.2.0 already holds 1.2.0 with the same files, image and secrets')),
  ).toBe(true);

  // The store lost the file (or it is owned wrongly): the release is staged again, not trusted.
  const lost = await deploy({ chown: false, have: [], current: live }, 's3cret');
  expect(lost.names).toContain('create-release');

  const rotated = await deploy({ chown: false, have: [`db_password.${hash}`], current: live }, 'n3w-value');
  const newHash = expectedHash('n3w-value');
  expect(rotated.names).toContain('create-release');
  expect(rotated.calls.find((c) => c.name === 'create-release')!.text).toMatch(/r='1\.2\.0\.r\d+'/);
  expect(rotated.override).toMatchObject({
    services: { app: { labels: { 'deploy-action.secret.db_password': newHash } } },
    secrets: { db_password: { file: `${STORE}/db_password.${newHash}` } },
  });
  expect(JSON.parse(rotated.manifest!).digest).not.toBe(JSON.parse(first.manifest!).digest);

  // Same secret, new image id: staged again (digest differs), the secret file already in the store is not rewritten.
  const state = { chown: false, have: [`db_password.${hash}`], current: live };
  const calls: Call[] = [];
  const target = new ComposeTarget(
    plan('s3cret'),
    log(),
    async (a) =>
      new ScriptedShell(a.host, (c) => (c.name === 'image-probe' ? { stdout: 'sha256:def\n' } : host(state)(c)), calls),
    new FakeClock(),
  );
  await target.deploy({ id: 'sha256:def' }, noDocker);
  expect(calls.map((c) => c.name)).toContain('create-release');
  expect(calls.map((c) => c.name)).not.toContain('write-secret');
});

test('a live manifest whose digest or store names are not what a deploy writes is never taken as unchanged', async () => {
  const first = await deploy({ chown: false, have: [] }, 's3cret');
  const m = JSON.parse(first.manifest!) as Record<string, unknown>;
  const hash = expectedHash('s3cret');
  for (const bad of [
    { ...m, digest: String(m['digest']).toUpperCase() },
    { ...m, digest: 42 },
  ]) {
    const live = { dir: '1.2.0', manifest: JSON.stringify(bad) };
    const r = await deploy({ chown: false, have: [`db_password.${hash}`], current: live }, 's3cret');
    expect(r.names).toContain('create-release');
  }
  // Store names outside the grammar are dropped from the manifest reading (the prune only ever greps for them).
  const { parseManifest } = await import('../../src/deploy/release/manifest.js');
  const reading = parseManifest(JSON.stringify({ ...m, secretFiles: ['../../etc/passwd'] }));
  expect(reading.ok && reading.manifest.secretFiles).toBeUndefined();
  const good = parseManifest(first.manifest!);
  expect(good.ok && good.manifest.secretFiles).toEqual([`db_password.${hash}`]);
});
