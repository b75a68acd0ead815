/**
 * Start-first rollout on the real engine and sshd: the example's app (a healthcheck, no host port) is replaced with
 * a healthy container of it running at every moment; a release whose healthcheck fails leaves the old one serving.
 * The tests run in order and share the host: 2.0.0, then 3.0.0 under the sampler, then the failing 4.0.0.
 */
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, type DeploySummary } from '../../src/deploy/summary.js';
import {
  buildExampleImage,
  cleanupHost,
  containerOf,
  exampleSource,
  inputsFor,
  namesFor,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(300_000);

const run = promisify(execFile);
const names = namesFor('rollout');
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'rollout-pw', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
let host: HostEnv;

/** The example as the check hands it over: its one service can roll out start-first. */
function source(version: string, overrides: string[] = []): DeploySource {
  return { ...exampleSource(names, overrides, tagEvent(version)), services: [{ name: 'app' }] };
}

async function deploy(version: string, overrides: string[] = []) {
  const plan = buildDeployPlan(
    parseDeployInputs(inputsFor(names, [host], { 'health-timeout': '40' }), ENV),
    source(version, overrides),
  );
  const log = recordingLog();
  try {
    return { summary: await runDeploy(plan, log), log, error: undefined };
  } catch (e) {
    return { summary: (e as DeployFailedError).summary as DeploySummary | undefined, log, error: e as Error };
  }
}

interface Tick {
  at: number;
  containers: Array<{ id: string; status: string }>;
}

/** `docker ps` of the app's containers every 100 ms (from the start of one poll to the next) until stopped. */
function sampleApp(): { stop: () => Promise<Tick[]> } {
  const ticks: Tick[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = Date.now();
      const { stdout } = await run('docker', [
        'ps',
        '--filter',
        `label=com.docker.compose.project=${names.project}`,
        '--filter',
        'label=com.docker.compose.service=app',
        '--format',
        '{{.ID}} {{.Status}}',
      ]);
      const containers = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => ({ id: l.slice(0, l.indexOf(' ')), status: l.slice(l.indexOf(' ') + 1) }));
      ticks.push({ at: start, containers });
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - start))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return ticks;
    },
  };
}

const healthy = (t: Tick) => t.containers.filter((c) => c.status.includes('(healthy)'));

beforeAll(() => {
  host = startHost('rollout');
  buildExampleImage();
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
});

afterAll(() => {
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
});

test('2.0.0 on an empty host: nothing to roll, plain up', async () => {
  const { error, log } = await deploy('2.0.0');
  expect(error).toBeUndefined();
  expect(log.lines.join('\n')).not.toContain('start-first');
  expect(containerOf(names, undefined)?.health).toBe('healthy');
});

test('2.0.0 → 3.0.0: a healthy app container at every 100 ms tick; the new one started before the old one went', async () => {
  const before = containerOf(names, undefined)!;
  const sampler = sampleApp();
  const { error, log } = await deploy('3.0.0');
  const ticks = await sampler.stop();
  expect(error).toBeUndefined();
  const after = containerOf(names, undefined)!;
  expect(after.image).toBe(`${names.repository}:3.0.0`);
  expect(after.health).toBe('healthy');
  expect(after.id).not.toBe(before.id);
  expect(log.lines.join('\n')).toContain('app: starting the new container beside the old one (start-first)');
  expect(log.lines.join('\n')).toContain('app: the new container is healthy; the old one was stopped and removed');

  const gaps = ticks.filter((t) => healthy(t).length === 0);
  const both = ticks.filter((t) => t.containers.length === 2);
  const span = ticks.length ? ticks[ticks.length - 1]!.at - ticks[0]!.at : 0;
  process.stdout.write(
    `rollout sampler: ${ticks.length} ticks over ${span} ms, ${both.length} with two app containers, ${gaps.length} without a healthy one\n`,
  );
  expect(ticks.length).toBeGreaterThan(20);
  // The old and the new container side by side: the rollout really was start-first, not a lucky sample.
  expect(both.length).toBeGreaterThan(0);
  expect(gaps).toEqual([]);
  // Compose numbered the new container beside the old one; only it is left.
  expect(ticks[ticks.length - 1]!.containers.map((c) => c.id)).toEqual([after.id.slice(0, 12)]);
});

test('4.0.0 whose healthcheck fails: the new container is removed, 3.0.0 serves on untouched, the deploy fails', async () => {
  const before = containerOf(names, undefined)!;
  const sampler = sampleApp();
  const { error, summary, log } = await deploy('4.0.0', ['failing-health.yml']);
  const ticks = await sampler.stop();
  process.stdout.write(`4.0.0 deploy log:\n${log.lines.join('\n')}\n`);
  expect(error).toBeInstanceOf(DeployFailedError);
  expect(error!.message).toMatch(
    /app: the new container (became unhealthy|was not healthy within health-timeout \(40s\)); the new container was removed and the old one keeps serving/,
  );
  expect(summary?.hosts[0]?.rollback?.status).toBe('rolled-back');
  expect(readlinkSync(path.join(names.deployPath, 'current'))).toBe('releases/3.0.0');
  // The very container 3.0.0 started: not stopped by the failed rollout nor by the rollback.
  const after = containerOf(names, undefined)!;
  expect(after).toEqual(before);
  expect(
    ticks.filter((t) => !t.containers.some((c) => c.id === before.id.slice(0, 12) && c.status.includes('(healthy)'))),
  ).toEqual([]);
  expect(log.lines.join('\n')).not.toContain('the old one was stopped and removed');
});
