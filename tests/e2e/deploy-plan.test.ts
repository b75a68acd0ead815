/**
 * `mode: plan` on the real engine and host b (its own dockerd, over the real sshd): v1 deployed, then a plan of v2
 * (app code changed, secret rotated) lists the changed service, the layer bytes to send and the rotated secret by
 * name, and host b is the same afterwards: the deploy-path tree (names, sizes, modes, mtimes), `current`, every
 * container and every image. A second host that refuses connections gets its own error; b is still planned.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
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
  containerOf,
  docker,
  example,
  exampleSource,
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

jest.setTimeout(300_000);

const names = namesFor('h-plan');
const V2_IMAGE = 'deploy-action-test/h-plan-runner:v2';
/** A loopback port nothing listens on: the unreachable host. */
const DEAD = '127.0.0.1:1';
let b: HostEnv;
let work: string;

const imageId = (ref: string) => docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();

function source(version: string, localRef: string) {
  const s = exampleSource(names, [], tagEvent(version));
  return { ...s, image: { ...s.image, localRef } };
}

/** Everything the plan must leave as it was on host b. */
function snapshot(): Record<string, string> {
  const dp = onHost(b, names.deployPath);
  return {
    tree: execFileSync('ls', ['-la', '--time-style=full-iso', '-R', dp], { encoding: 'utf8' }),
    current: readlinkSync(path.join(dp, 'current')),
    containers: docker(b, ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Image}} {{.Names}} {{.State}}']),
    // Sorted: the engine lists images made in the same second in no fixed order.
    images: docker(b, ['images', '-aq', '--no-trunc']).split('\n').sort().join('\n'),
  };
}

beforeAll(() => {
  b = startHost('b');
  buildExampleImage();
  work = mkdtempSync(path.join(os.tmpdir(), 'h-plan-'));
  cpSync(example, work, { recursive: true });
  appendFileSync(path.join(work, 'app/main.py'), '\nRELEASE_NOTE = "v2: plan test"\n');
  buildExampleImage(V2_IMAGE, work);
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
  docker(b, ['rmi', '-f', imageId(V2_IMAGE)], { allowFail: true });
});

afterAll(() => {
  cleanupHost(names, b);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
  docker(b, ['rmi', '-f', imageId(V2_IMAGE)], { allowFail: true });
  docker(undefined, ['rmi', V2_IMAGE], { allowFail: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test('plan of v2 against v1 lists the changed service, the bytes to send and the rotated secret; host b is unchanged', async () => {
  const v1 = await runDeploy(
    buildDeployPlan(
      parseDeployInputs(inputsFor(names, [b]), { DEPLOY_TEST_DB_PASSWORD: 'plan-v1\n' }),
      source('1.0.0', LOCAL_IMAGE),
    ),
    recordingLog(),
  );
  expect(v1.hosts[0]).toMatchObject({ status: 'deployed' });
  expect(containerOf(names, b)).toMatchObject({ image: `${names.repository}:1.0.0`, health: 'healthy' });

  const before = snapshot();
  // Host b, then a host that refuses the connection (pinned with b's key under its own name).
  const inputs = inputsFor(names, [b]);
  const knownB = readFileSync(b.KNOWN_HOSTS, 'utf8').trim().split('\n')[0]!;
  const deadKnown = `[127.0.0.1]:1 ${knownB.split(' ').slice(1).join(' ')}\n`;
  const two = (n: string) =>
    n === 'ssh-host' ? `${inputs(n)}\n${DEAD}` : n === 'ssh-known-hosts' ? `${inputs(n)}${deadKnown}` : inputs(n);
  const plan = buildDeployPlan(
    parseDeployInputs(two, { DEPLOY_TEST_DB_PASSWORD: 'plan-v2\n' }),
    source('2.0.0', V2_IMAGE),
  );
  const log = recordingLog();
  const fleet = await runPlan(plan, log);
  const after = snapshot();
  process.stdout.write(`${log.lines.join('\n')}\n`);

  const [hb, dead] = fleet.hosts;
  expect(hb!.error).toBeUndefined();
  expect(hb!.liveVersion).toBe('1.0.0');
  expect(hb!.services).toContainEqual({ service: 'app', action: 'recreate' });
  expect(hb!.secrets).toEqual([{ name: 'db_password', change: 'rotate' }]);
  expect(hb!.image).toMatchObject({ method: 'stream', layersSent: 1 });
  // The one changed layer (COPY app): a few kB uncompressed, far below the image.
  const size = Number(docker(undefined, ['image', 'inspect', '--format', '{{.Size}}', V2_IMAGE]).trim());
  expect(hb!.image!.uncompressedBytes).toBeGreaterThan(0);
  expect(hb!.image!.uncompressedBytes!).toBeLessThan(size / 50);
  // The override changes (new secret file name and label); the compose files and the env file do not.
  expect(hb!.files.filter((f) => f.change !== 'unchanged').map((f) => f.path)).toEqual([plan.override.relativePath]);
  expect(dead!.error).toMatch(/connect/);

  const md = formatPlanMarkdown(fleet);
  expect(md).toContain('app (recreate)');
  expect(md).toContain('db_password (rotate)');
  expect(md).not.toContain('plan-v2');
  expect(log.lines.join('\n')).not.toContain('plan-v1');

  expect(after).toEqual(before);
  process.stdout.write(
    `plan: v2 would send ${hb!.image!.uncompressedBytes} B uncompressed of a ${size} B image; snapshot equal\n`,
  );
});

test('mode: plan through dist/index.js on a pull_request: check, then the plan in the log and the job summary; host b unchanged', async () => {
  const ws = await makeWorkspace(undefined, async (dir) => {
    await copyFile(
      path.join(REPO_ROOT, 'scripts/example/docker-compose.sandbox.yml'),
      path.join(dir, 'deploy/docker-compose.sandbox.yml'),
    );
  });
  const secret = `plan-dist-${Date.now()}`;
  const inputs = inputsFor(names, [b]);
  const before = snapshot();
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    const run = await runAction(
      ws,
      {
        mode: 'plan',
        'compose-files': 'deploy/docker-compose.yml deploy/docker-compose.prod.yml deploy/docker-compose.sandbox.yml',
        ...Object.fromEntries(
          ['ssh-host', 'ssh-user', 'ssh-key', 'ssh-known-hosts', 'deploy-path', 'env-file', 'project-name'].map((n) => [
            n,
            inputs(n),
          ]),
        ),
        'deploy-secrets': 'db_password=DB_PASSWORD',
      },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: sha, DB_PASSWORD: secret },
    );
    expect(run.code).toBe(0);
    const version = `sha-${sha.slice(0, 7)}`;
    expect(run.summary).toContain(`## Deploy plan: ${version}`);
    expect(run.summary).toContain(`| version | 1.0.0 → ${version} |`);
    expect(run.summary).toContain('db_password (rotate)');
    expect(run.stdout).toMatch(/127\.0\.0\.1:\d+: services: /);
    expect(run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr + run.summary).not.toContain(secret);
    expect(snapshot()).toEqual(before);
  } finally {
    await removeWorkspace(ws);
  }
});
