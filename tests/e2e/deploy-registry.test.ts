/**
 * Registry delivery end to end: the runner's engine (logged in, as docker/login-action leaves it) pushes the release
 * to Debian's distribution registry on 127.0.0.1 (scripts/testbed/registry.sh, htpasswd auth), and host b (its own
 * dockerd) pulls it with the throwaway login, the password on stdin. The digest the registry serves is the one in
 * the summary and the outputs, and no credential stays on the host or shows in a process's command line or env.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import {
  LOCAL_IMAGE,
  ProcSampler,
  buildExampleImage,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  repoRoot,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(300_000);

const base = namesFor('registry');
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'pw-registry-test', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
/** This suite's own images (the example plus a label): host b cannot already hold their IDs, so it really pulls. */
const SOURCES = [
  'deploy-action-test/doongzi-registry-source:e2e-1',
  'deploy-action-test/doongzi-registry-source:e2e-2',
];
const [SOURCE_IMAGE, SECOND_IMAGE] = SOURCES as [string, string];

let reg: { REGISTRY: string; REGISTRY_USER: string; REGISTRY_PASSWORD: string };
let names: typeof base;
let hostB: HostEnv;
let runnerTemp: string;
let dockerConfig: string;

function startRegistry(): typeof reg {
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts/testbed/registry.sh')], { encoding: 'utf8' });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as typeof reg;
}

/** The runner's docker CLI logged in to the registry in its own DOCKER_CONFIG, as docker/login-action does. */
function loginRunner(config: string): void {
  execFileSync('docker', ['login', '--username', reg.REGISTRY_USER, '--password-stdin', reg.REGISTRY], {
    input: reg.REGISTRY_PASSWORD,
    env: { ...process.env, DOCKER_CONFIG: config },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** The manifest digest the registry itself serves for a tag (Docker-Content-Digest), asked with the login. */
function registryDigest(repository: string, tag: string): string {
  const headers = execFileSync(
    'curl',
    [
      '-sfI',
      '-u',
      `${reg.REGISTRY_USER}:${reg.REGISTRY_PASSWORD}`,
      '-H',
      'Accept: application/vnd.docker.distribution.manifest.v2+json',
      `http://${reg.REGISTRY}/v2/${repository}/manifests/${tag}`,
    ],
    { encoding: 'utf8' },
  );
  return /^docker-content-digest:\s*(\S+)/im.exec(headers)?.[1] ?? `(no digest header in: ${headers})`;
}

async function deploy(version: string, localRef: string, extra: Record<string, string> = {}) {
  const plan = buildDeployPlan(
    parseDeployInputs(
      inputsFor(names, [hostB], {
        'image-delivery': 'registry',
        registry: reg.REGISTRY,
        'registry-username': reg.REGISTRY_USER,
        'registry-password': reg.REGISTRY_PASSWORD,
        ...extra,
      }),
      ENV,
    ),
    { ...exampleSource(names, [], tagEvent(version)), image: { localRef, repository: names.repository } },
  );
  const log = recordingLog();
  try {
    return { summary: await runDeploy(plan, log), error: undefined, log };
  } catch (e) {
    return { summary: (e as { summary?: DeploySummary }).summary, error: e as Error, log };
  }
}

beforeAll(() => {
  reg = startRegistry();
  names = { ...base, repository: `${reg.REGISTRY}/${base.repository}` };
  hostB = startHost('b');
  buildExampleImage();
  for (const [i, ref] of SOURCES.entries())
    execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', ref, '-'], {
      input: `FROM ${LOCAL_IMAGE}\nLABEL deploy-action-test.suite=registry-${Date.now()}-${i}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  cleanupHost(names, hostB);
  removeReleaseTags(names, hostB);
  removeReleaseTags(names, undefined);
  runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-runner-temp-'));
  dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-docker-config-'));
  loginRunner(dockerConfig);
  process.env.RUNNER_TEMP = runnerTemp;
  process.env.DOCKER_CONFIG = dockerConfig;
  process.env.DEPLOY_TEST_DB_PASSWORD = ENV.DEPLOY_TEST_DB_PASSWORD;
});

afterAll(() => {
  delete process.env.DEPLOY_TEST_DB_PASSWORD;
  delete process.env.DOCKER_CONFIG;
  cleanupHost(names, hostB);
  removeReleaseTags(names, hostB);
  removeReleaseTags(names, undefined);
  docker(undefined, ['rmi', ...SOURCES], { allowFail: true });
  rmSync(runnerTemp, { recursive: true, force: true });
  rmSync(dockerConfig, { recursive: true, force: true });
});

test('pushed from the runner, pulled by host b with the throwaway login: the digest is the registry’s', async () => {
  const id = docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', SOURCE_IMAGE]).trim();
  expect(docker(hostB, ['image', 'inspect', '--format', '{{.Id}}', id], { allowFail: true })).toBe('');
  // Every process but this test, while the deploy runs: none holds the registry password in its command line or env.
  const sampler = new ProcSampler([reg.REGISTRY_PASSWORD]);
  sampler.start();
  const r = await deploy('1.0.0', SOURCE_IMAGE).finally(() => sampler.stop());
  expect(r.error).toBeUndefined();
  expect(sampler.samples).toBeGreaterThan(10);
  expect(sampler.hits).toEqual([]);

  const summary = r.summary!;
  expect(summary.hosts[0]!.status).toBe('deployed');
  expect(r.log.lines).toContain(`${hostB.SSH_HOST}:${hostB.SSH_PORT}: image ${names.repository}:1.0.0 pulled`);
  const digest = registryDigest(base.repository, '1.0.0');
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(summary.imageDigest).toBe(digest);
  expect(formatDeploySummary(summary)).toContain(`(${id}, ${digest})`);
  expect(deployOutputs(summary)['image-digest']).toBe(digest);

  // Host b holds exactly the checked image, by ID and by the registry's digest, and runs it.
  const [pulledId, repoDigests] = docker(hostB, [
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{json .RepoDigests}}',
    `${names.repository}:1.0.0`,
  ])
    .trim()
    .split(' ') as [string, string];
  expect(pulledId).toBe(id);
  expect(JSON.parse(repoDigests)).toContain(`${names.repository}@${digest}`);
  const c = containerOf(names, hostB)!;
  expect(c.image).toBe(`${names.repository}:1.0.0`);
  expect(c.health).toBe('healthy');

  // The login was throwaway: no docker config on host b names the registry.
  const home = onHost(hostB, `/home/${hostB.SSH_USER}/.docker/config.json`);
  if (existsSync(home)) expect(readFileSync(home, 'utf8')).not.toContain(reg.REGISTRY);
  // Nor does a temp dir the deploy user left (the pull's DOCKER_CONFIG goes with its script).
  const uid = Number(execFileSync('id', ['-u', hostB.SSH_USER], { encoding: 'utf8' }).trim());
  const tmp = onHost(hostB, '/tmp');
  const left = readdirSync(tmp).filter((d) => statSync(path.join(tmp, d)).uid === uid);
  expect(left.filter((d) => existsSync(path.join(tmp, d, 'config.json')))).toEqual([]);
});

test('a wrong registry password: the pull fails naming the login, and the host keeps its release', async () => {
  const r = await deploy('1.1.0', SECOND_IMAGE, { 'registry-password': `${reg.REGISTRY_PASSWORD}-wrong` });
  expect(r.error).toBeDefined();
  expect(r.error!.message).toContain(`docker login to ${reg.REGISTRY} as ${reg.REGISTRY_USER} was refused on the host`);
  expect(r.error!.message).toMatch(/401|unauthorized/i);
  expect(r.summary!.hosts[0]!.steps.map((s) => s.step)).toContain('image');
  expect(r.error!.message).not.toContain(reg.REGISTRY_PASSWORD);
  expect(r.error!.message).toContain('No host was switched to the new release.');
  expect(containerOf(names, hostB)!.image).toBe(`${names.repository}:1.0.0`);
});

test('a runner not logged in: the push fails and says the runner must log in first', async () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-docker-config-'));
  process.env.DOCKER_CONFIG = empty;
  try {
    const r = await deploy('1.2.0', SECOND_IMAGE);
    expect(r.error).toBeDefined();
    expect(r.error!.message).toContain(`docker push ${names.repository}:1.2.0`);
    expect(r.error!.message).toContain('docker/login-action');
    expect(r.summary!.hosts[0]!.steps).toEqual([]);
  } finally {
    process.env.DOCKER_CONFIG = dockerConfig;
    rmSync(empty, { recursive: true, force: true });
  }
});
