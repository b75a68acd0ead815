/**
 * `mode: plan` against scripted hosts: the live state comes from a real deploy of v1 through the compose target (its
 * uploads and manifest, as the host would hold them), then plans read it. A plan runs only read-only scripts, names
 * the secrets that rotate (never a value), the files that change, the services Compose's dry run would recreate,
 * and a host that cannot be reached gets its own error while the others are still planned.
 */
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { describeHooks, formatPlanMarkdown } from '../../src/deploy/plan-mode/format.js';
import { planHost, servicesFromDryRun } from '../../src/deploy/plan-mode/host-plan.js';
import { runPlan } from '../../src/deploy/plan-mode/run-plan.js';
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
const LOCAL = { id: 'sha256:abc', size: 5_000_000, diffIds: ['sha256:l0', 'sha256:l1', 'sha256:l2'] };
const READ_ONLY = new Set(['plan-read', 'image-probe', 'image-layers', 'plan-dry-run']);

const plan = (password: string, over: Record<string, string> = {}) =>
  buildDeployPlan(
    parseDeployInputs(
      (n) =>
        ({
          'ssh-host': 'a.example',
          'ssh-user': 'deployer',
          'ssh-key': keys.private,
          'ssh-known-hosts': `a.example ${hostKey}\nb.example ${hostKey}`,
          'deploy-path': DEPLOY_PATH,
          'deploy-secrets': 'db_password=DB_PASSWORD',
          ...over,
        })[n] ?? '',
      { DB_PASSWORD: password, GITHUB_REPOSITORY: 'doongzi/app' },
    ),
    COMPOSE_SOURCE,
  );

const body = (c: Call) => c.stdin!.subarray(c.stdin!.indexOf(10) + 1);

/** Deploys v1 to a scripted host and returns what the host then holds: the manifest, file hashes, stored secrets. */
async function deployedV1(password: string) {
  const calls: Call[] = [];
  const answer = (c: Call) => {
    if (c.name === 'preflight')
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
        ]),
      };
    if (c.name === 'image-probe') return { stdout: `${LOCAL.id}\n` };
    if (c.name === 'list-releases') return { stdout: records([['now', '100']]) };
    return undefined;
  };
  const target = new ComposeTarget(
    plan(password),
    log(),
    async (a: HostAddress) => new ScriptedShell(a.host, answer, calls),
    new FakeClock(),
  );
  await target.deploy(LOCAL, {} as LocalDocker);
  const manifest = body(calls.find((c) => c.label === 'write manifest')!).toString();
  const live = calls
    .filter((c) => c.label.startsWith('upload '))
    .map((c): [string, string] => [
      'live',
      `${c.label.slice(7)} ${createHash('sha256').update(body(c)).digest('hex')}`,
    ]);
  const stored = (JSON.parse(manifest) as { secretFiles: string[] }).secretFiles;
  return { manifest, live, stored };
}

type Live = Awaited<ReturnType<typeof deployedV1>>;

function liveHost(v1: Live, opts: { imagePresent?: boolean; dryRun?: string } = {}) {
  return (c: Call) => {
    if (c.name === 'plan-read') {
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
          ['current', 'releases/1.2.0'],
          ['manifest', v1.manifest],
          ...v1.live,
          ...v1.stored.map((f): [string, string] => ['store', f]),
          ['key', STORE_KEY],
        ]),
      };
    }
    if (c.name === 'image-probe') return opts.imagePresent ? { stdout: `${LOCAL.id}\n` } : { code: 1 };
    if (c.name === 'image-layers')
      return {
        stdout: records([
          ['driver', '[]'],
          ['chain', 'sha256:l0,sha256:l1'],
        ]),
      };
    if (c.name === 'plan-dry-run') {
      return {
        stdout: records([
          [
            'dryrun',
            opts.dryRun ??
              ' DRY-RUN MODE -  Container doongzi-app-1  Recreate\n DRY-RUN MODE -  Container doongzi-app-1  Recreated',
          ],
          ['services', 'app\nworker'],
          ['containers', 'c1 app running doongzi-app-1\nc2 worker running doongzi-worker-1'],
        ]),
      };
    }
    return { code: 99, stderr: `unexpected script ${c.name}` };
  };
}

async function tarNames(b: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    names.push(h.name);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  ex.end(b);
  await done;
  return names;
}

test('a rotated secret: named, its override changes, the dry run says app is recreated; only read-only scripts ran', async () => {
  const v1 = await deployedV1('old-value');
  const calls: Call[] = [];
  const drops: number[][] = [];
  const p = plan('new-value');
  const r = await planHost(p, 'a.example', new ScriptedShell('a.example', liveHost(v1), calls), LOCAL, async (d) => {
    drops.push([...d]);
    return 4321;
  });
  expect(r.error).toBeUndefined();
  expect(r.liveVersion).toBe('1.2.0');
  expect(r.unchanged).toBe(false);
  expect(r.secrets).toEqual([{ name: 'db_password', change: 'rotate' }]);
  expect(r.files.filter((f) => f.change !== 'unchanged').map((f) => f.path)).toEqual([p.override.relativePath]);
  expect(r.services).toEqual([
    { service: 'app', action: 'recreate' },
    { service: 'worker', action: 'unchanged' },
  ]);
  // The host holds l0,l1: only l2 is sent; its bytes come from the save-stream count with l0 and l1 dropped.
  expect(drops).toEqual([[0, 1]]);
  expect(r.image).toEqual({ method: 'stream', uncompressedBytes: 4321, layersTotal: 3, layersSent: 1 });
  expect(calls.every((c) => READ_ONLY.has(c.name))).toBe(true);
  // The dry run gets the release's files; a secret value never travels or shows.
  const dry = calls.find((c) => c.name === 'plan-dry-run')!;
  expect(await tarNames(body(dry))).toEqual(p.files.map((f) => f.relativePath));
  expect(body(dry).includes('new-value')).toBe(false);
  const md = formatPlanMarkdown({ version: p.version.version, image: 'img', hosts: [r] });
  expect(md).toContain('db_password (rotate)');
  expect(md).toContain('app (recreate)');
  expect(md).toContain('4.3 kB uncompressed');
  expect(md).not.toContain('new-value');
});

test('the same release again: unchanged, nothing to send, no file or secret changes', async () => {
  const v1 = await deployedV1('same');
  const r = await planHost(
    plan('same'),
    'a.example',
    new ScriptedShell('a.example', liveHost(v1, { imagePresent: true, dryRun: '' }), []),
    LOCAL,
    async () => {
      throw new Error('no layer count when the image is present');
    },
  );
  expect(r).toMatchObject({ unchanged: true, image: { method: 'present' } });
  expect(r.files.every((f) => f.change === 'unchanged')).toBe(true);
  expect(r.secrets).toEqual([{ name: 'db_password', change: 'unchanged' }]);
  expect(r.services.every((s) => s.action === 'unchanged')).toBe(true);
});

test('an unreachable host gets its error; the next host is still planned', async () => {
  const v1 = await deployedV1('x');
  const l = log();
  const fleet = await runPlan(plan('x', { 'ssh-host': 'a.example\nb.example' }), l, {
    connect: async (a) => {
      if (a.host === 'a.example') throw new Error('connect ECONNREFUSED a.example:22');
      return new ScriptedShell(a.host, liveHost(v1, { imagePresent: true }), []);
    },
    local: LOCAL,
    docker: {} as LocalDocker,
  });
  expect(fleet.hosts.map((h) => h.error)).toEqual(['connect: connect ECONNREFUSED a.example:22', undefined]);
  expect(l.lines).toContain('warning a.example:22: connect: connect ECONNREFUSED a.example:22');
  expect(l.lines.some((x) => /^info b\.example\S*: services: app \(recreate\)$/.test(x))).toBe(true);
});

test('a host whose deploy path does not exist yet: every file added, the dry run still runs', async () => {
  const calls: Call[] = [];
  const answer = (c: Call) => {
    if (c.name === 'plan-read')
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['absent', '1'],
        ]),
      };
    if (c.name === 'image-probe') return { code: 1 };
    if (c.name === 'image-layers') return { stdout: records([['driver', '[]']]) };
    if (c.name === 'plan-dry-run') {
      return {
        stdout: records([
          ['dryrun', ' DRY-RUN MODE -  Container doongzi-app-1  Creating'],
          ['services', 'app'],
          ['containers', ''],
        ]),
      };
    }
    return { code: 99 };
  };
  const r = await planHost(plan('x'), 'a.example', new ScriptedShell('a.example', answer, calls), LOCAL, async () => 0);
  expect(r.error).toBeUndefined();
  expect(r.files.every((f) => f.change === 'added')).toBe(true);
  expect(r.secrets).toEqual([{ name: 'db_password', change: 'new' }]);
  expect(r.services).toEqual([{ service: 'app', action: 'create' }]);
  expect(r.image).toMatchObject({
    method: 'stream',
    uncompressedBytes: 5_000_000,
    fullReason: 'the host holds none of its layers',
  });
  expect(r.notes.join('\n')).toContain('does not exist yet');
});

test('servicesFromDryRun reads compose 2.26 dry-run lines', () => {
  const out = records([
    [
      'dryrun',
      ' DRY-RUN MODE -  Container p-web-1  Recreate\n DRY-RUN MODE -  Container p-web-1  Recreated\n DRY-RUN MODE -  Container p-db-1  Running',
    ],
    ['services', 'db\nweb\nnew'],
    ['containers', 'i1 db running p-db-1\ni2 web running p-web-1'],
  ]);
  const withNew = out.replace('Running', 'Running\n DRY-RUN MODE -  Container p-new-1  Creating');
  expect(servicesFromDryRun(withNew, 'p')).toEqual([
    { service: 'db', action: 'unchanged' },
    { service: 'web', action: 'recreate' },
    { service: 'new', action: 'create' },
  ]);
});

test('the plan names the hooks a deploy would run, and none where the live release already is this one', () => {
  const hooks = { pre: ['alembic', 'upgrade', 'head'], service: 'app', timeoutSeconds: 600 };
  expect(describeHooks(hooks, false)).toBe(
    'pre-deploy `alembic upgrade head` in a one-off container of app (timeout 600 s)',
  );
  expect(describeHooks({ ...hooks, post: ['python', '-m', 'smoke'] }, false)).toContain(
    'pre-deploy `alembic upgrade head`, post-deploy `python -m smoke`',
  );
  expect(describeHooks(hooks, true)).toBe('none (the live release already is this one)');
  expect(describeHooks(undefined, false)).toBeUndefined();
});
