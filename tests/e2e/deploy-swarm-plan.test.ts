/**
 * `mode: plan` with `deploy-target: swarm` on a real single-node Swarm (host b's own dockerd, made a manager by
 * `sshd.sh swarm init`, reached over the real sshd). 1.0.0 is deployed; a plan of 1.1.0 (one changed layer, a rotated
 * secret, a changed env file) lists the app service's spec changes, the rotated secret's versioned name and the bytes
 * to send, and the manager is the same afterwards: each service's spec version (Version.Index), the secrets, the
 * release dirs and `current`, the containers and images. Then the same through dist/index.js on a pull request with
 * `comment: true`: the plan goes into the job summary and into the PR comment, above the check's summary; and a
 * plan the check refuses still gets its comment, with the finding and the reason there is no plan.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { formatPlanMarkdown } from '../../src/deploy/plan-mode/format.js';
import { runPlan } from '../../src/deploy/plan-mode/run-plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import {
  LOCAL_IMAGE,
  buildExampleImage,
  cleanupHost,
  docker,
  exampleSource,
  exampleStackConfig,
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { leaveSwarm, removeStack as removeStackOf, startSwarmManager } from '../helpers/swarm-testbed.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

jest.setTimeout(300_000);

const names = namesFor('swarm-plan');
const STACK = names.project;
const V1_IMAGE = 'deploy-action-test/doongzi-runner:swarm-plan-v1';
const V2_IMAGE = 'deploy-action-test/doongzi-runner:swarm-plan-v2';
const PORT = '18447';
const ENV_1 = `APP_ENV=prod\nDB_HOST=db.internal\nPORT=${PORT}\n`;
const ENV_2 = `${ENV_1}FEATURE_FLAG=on\n`;
const token = randomBytes(12).toString('hex');
const SECRET_1 = `pw-${token}-one`;
const SECRET_2 = `pw-${token}-two`;

let b: HostEnv;
let context: string;

const onB = (args: string[], opts: { allowFail?: boolean } = {}) => docker(b, args, opts);
const imageId = (ref: string, h?: HostEnv) => docker(h, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();

async function swarmPlan(
  version: string,
  image: string,
  secret: string,
  env: string,
  over: Record<string, string> = {},
) {
  const inputs = parseDeployInputs(inputsFor(names, [b], { 'deploy-target': 'swarm', 'env-file': env, ...over }), {
    DEPLOY_TEST_DB_PASSWORD: secret,
  });
  const source = exampleSource(names, [], tagEvent(version));
  source.image.localRef = image;
  source.composeFiles = source.composeFiles.filter((f) => !f.path.endsWith('test-no-network.yml'));
  source.stackConfig = await exampleStackConfig(['swarm-host-network.yml']);
  return buildDeployPlan(inputs, source);
}

const stackServices = () =>
  onB(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${STACK}`])
    .trim()
    .split('\n')
    .filter(Boolean);
const stackSecrets = () =>
  onB(['secret', 'ls', '--filter', `label=com.doongzi.deploy-action.stack=${STACK}`, '--format', '{{.ID}} {{.Name}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

/** Everything a plan must leave as it was on the manager. */
function snapshot(): Record<string, unknown> {
  const dp = onHost(b, names.deployPath);
  const ids = stackServices();
  return {
    services: ids.length
      ? onB(['service', 'inspect', '--format', '{{.ID}} {{.Version.Index}} {{.Spec.Name}}', ...ids])
      : '',
    secrets: stackSecrets(),
    tree: execFileSync('ls', ['-la', '--time-style=full-iso', '-R', dp], { encoding: 'utf8' }),
    current: readlinkSync(path.join(dp, 'current')),
    containers: onB(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Image}} {{.Names}} {{.State}}']),
    // Sorted: the engine lists images created in the same second in no fixed order.
    images: onB(['images', '-aq', '--no-trunc']).split('\n').sort(),
  };
}

const removeStack = () => removeStackOf(b, STACK);

beforeAll(() => {
  b = startSwarmManager();
  buildExampleImage();
  // Own image IDs (a label, then one changed layer), so other suites' clean-ups never touch what this stack runs.
  context = mkdtempSync(path.join(os.tmpdir(), 'swarm-plan-'));
  writeFileSync(path.join(context, 'note.txt'), 'v2: swarm plan test\n');
  const build = (tag: string, dockerfile: string) =>
    execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', tag, '-f', '-', context], {
      input: dockerfile,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  build(V1_IMAGE, `FROM ${LOCAL_IMAGE}\nLABEL deploy-action-test.suite=swarm-plan\n`);
  build(V2_IMAGE, `FROM ${V1_IMAGE}\nCOPY note.txt /app/note.txt\n`);
  removeStack();
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
  onB(['rmi', '-f', imageId(V2_IMAGE)], { allowFail: true });
});

afterAll(() => {
  if (context) rmSync(context, { recursive: true, force: true });
  if (!b) return;
  removeStack();
  cleanupHost(names, b);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
  for (const ref of [V2_IMAGE, V1_IMAGE]) onB(['rmi', '-f', imageId(ref)], { allowFail: true });
  docker(undefined, ['rmi', V2_IMAGE, V1_IMAGE], { allowFail: true });
  leaveSwarm();
});

test('plan of 1.1.0 against 1.0.0: app updates (image, secret, env file), the rotated secret by name, the bytes; manager unchanged', async () => {
  const v1 = await runDeploy(await swarmPlan('1.0.0', V1_IMAGE, SECRET_1, ENV_1), recordingLog());
  expect(v1.hosts[0]).toMatchObject({ status: 'deployed' });
  const liveSecret = stackSecrets().map((l) => l.split(' ')[1]);

  const before = snapshot();
  const plan = await swarmPlan('1.1.0', V2_IMAGE, SECRET_2, ENV_2);
  const log = recordingLog();
  const fleet = await runPlan(plan, log);
  const after = snapshot();
  process.stdout.write(`${log.lines.join('\n')}\n`);

  const [m] = fleet.hosts;
  expect(m!.error).toBeUndefined();
  expect(m!.liveVersion).toBe('1.0.0');
  const app = m!.services.find((s) => s.service === 'app')!;
  expect(app.action).toBe('update');
  expect(app.detail!.split(', ')).toEqual(
    expect.arrayContaining(['image', 'secret db_password', 'env file .env.prod']),
  );
  const rotated = plan.swarm!.secretNames['db_password']!;
  expect(liveSecret).not.toContain(rotated);
  expect(m!.secrets).toEqual([{ name: 'db_password', change: 'rotate', as: rotated }]);
  expect(m!.files).toEqual([
    { path: 'docker-stack.deploy-action.yml', change: 'changed' },
    { path: '.env.prod', change: 'changed' },
  ]);
  // The one changed layer (COPY note.txt): a few bytes uncompressed, far below the image.
  const size = Number(docker(undefined, ['image', 'inspect', '--format', '{{.Size}}', V2_IMAGE]).trim());
  expect(m!.image).toMatchObject({ method: 'stream', layersSent: 1 });
  expect(m!.image!.uncompressedBytes).toBeGreaterThan(0);
  expect(m!.image!.uncompressedBytes!).toBeLessThan(size / 50);

  const md = formatPlanMarkdown(fleet);
  expect(md).toContain('| version | 1.0.0 → 1.1.0 |');
  expect(md).toContain(`db_password as ${rotated} (rotate)`);
  expect(md).toMatch(/app \(update: [^|]*secret db_password/);
  expect(md + log.lines.join('\n')).not.toContain(token);
  expect(after).toEqual(before);
  process.stdout.write(
    `swarm plan: 1.1.0 would send ${m!.image!.uncompressedBytes} B uncompressed (${m!.image!.layersSent} of ${m!.image!.layersTotal} layers) of a ${size} B image; app ${app.detail}; manager snapshot equal\n`,
  );
});

test('a manager that refuses the connection: its own clear error, nothing thrown', async () => {
  // A loopback port nothing listens on, pinned with b's key under its own name.
  const keyOfB = readFileSync(b.KNOWN_HOSTS, 'utf8').trim().split('\n')[0]!.split(' ').slice(1).join(' ');
  const plan = await swarmPlan('1.1.0', V2_IMAGE, SECRET_2, ENV_2, {
    'ssh-host': '127.0.0.1:1',
    'ssh-known-hosts': `[127.0.0.1]:1 ${keyOfB}\n`,
  });
  const fleet = await runPlan(plan, recordingLog());
  expect(fleet.hosts).toHaveLength(1);
  expect(fleet.hosts[0]!.host).toBe('127.0.0.1:1');
  expect(fleet.hosts[0]!.error).toMatch(/^connect: .*ECONNREFUSED/);
  expect(formatPlanMarkdown(fleet)).toContain('(1 host(s) could not be planned)');
});

/** The GitHub REST endpoints the sticky comment uses, on loopback: list and create issue comments. */
async function githubStandIn() {
  const posted: string[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.url?.startsWith('/repos/doongzi/backend/issues/7/comments')) {
        if (req.method === 'GET') return send(200, []);
        if (req.method === 'POST') {
          posted.push((JSON.parse(text) as { body: string }).body);
          return send(201, { id: posted.length, html_url: `https://github.invalid/c/${posted.length}` });
        }
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted, server };
}

/** Runs dist/index.js in plan mode on pull request 7 of a copy of the example (`extra` added to its files). */
async function planOnPullRequest(extra: Record<string, string> = {}) {
  const ws = await makeWorkspace(undefined, async (dir) => {
    await copyFile(
      path.join(REPO_ROOT, 'scripts/example/docker-compose.sandbox.yml'),
      path.join(dir, 'deploy/docker-compose.sandbox.yml'),
    );
    writeFileSync(
      path.join(dir, 'event.json'),
      JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7 } }),
    );
    for (const [f, text] of Object.entries(extra)) writeFileSync(path.join(dir, f), text);
  });
  const api = await githubStandIn();
  const inputs = inputsFor(names, [b], { 'deploy-target': 'swarm', 'env-file': ENV_2 });
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    const composeFiles = [
      'deploy/docker-compose.yml',
      'deploy/docker-compose.prod.yml',
      'deploy/docker-compose.sandbox.yml',
      ...Object.keys(extra),
    ];
    const run = await runAction(
      ws,
      {
        mode: 'plan',
        'compose-files': composeFiles.join(' '),
        ...Object.fromEntries(
          [
            'ssh-host',
            'ssh-user',
            'ssh-key',
            'ssh-known-hosts',
            'deploy-path',
            'env-file',
            'project-name',
            'deploy-target',
          ].map((n) => [n, inputs(n)]),
        ),
        'deploy-secrets': 'db_password=DB_PASSWORD',
        comment: 'true',
        'github-token': 'test-token',
      },
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(ws, 'event.json'),
        GITHUB_REPOSITORY: 'doongzi/backend',
        GITHUB_API_URL: api.url,
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_SHA: sha,
        DB_PASSWORD: SECRET_2,
      },
    );
    return { run, posted: api.posted, version: `sha-${sha.slice(0, 7)}` };
  } finally {
    await new Promise((r) => api.server.close(r));
    await removeWorkspace(ws);
  }
}

test('through dist/index.js on a pull request: the swarm plan in the job summary and the PR comment, above the check', async () => {
  const before = snapshot();
  const { run, posted, version } = await planOnPullRequest();
  expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });
  expect(run.summary).toContain(`## Deploy plan: ${version}`);
  expect(run.summary).toContain(`| version | 1.0.0 → ${version} |`);
  expect(run.summary).toMatch(/app \(update: /);
  expect(run.summary).toMatch(/db_password as deploy-action-test-swarm-plan_db_password_[0-9a-f]{12} \(rotate\)/);
  expect(run.stdout).toContain('PR comment created: https://github.invalid/c/1');
  expect(posted).toHaveLength(1);
  const comment = posted[0]!;
  const planAt = comment.indexOf(`## Deploy plan: ${version}`);
  const checkAt = comment.indexOf('## deploy-action: ');
  expect(planAt).toBeGreaterThan(0);
  expect(checkAt).toBeGreaterThan(planAt);
  expect(comment).toMatch(/app \(update: /);
  expect(run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr + run.summary + comment).not.toContain(token);
  expect(snapshot()).toEqual(before);
});

test('a plan the check refuses (a mounted docker.sock): the PR comment still comes, with the finding and why no plan', async () => {
  const before = snapshot();
  const { run, posted } = await planOnPullRequest({
    'deploy/docker-compose.sock.yml':
      'services:\n  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n',
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('Plan refused: the check found 1 error (DA-DEP-003).');
  expect(posted).toHaveLength(1);
  expect(posted[0]).toContain('## Deploy plan: not made');
  expect(posted[0]).toContain('Not planned: the check found 1 error.');
  expect(posted[0]).toContain('DA-CMP-021');
  expect(posted[0]!.indexOf('## deploy-action: ')).toBeGreaterThan(posted[0]!.indexOf('## Deploy plan: not made'));
  expect(snapshot()).toEqual(before);
});
