/**
 * The deploy lock on a real host (sshd on 127.0.0.1, the real engine, the host's flock): two deploys to one
 * deploy-path started together run one after the other, and one with a short lock-timeout fails naming the holder
 * and changes nothing. Afterwards `current` and the running container are exactly one release.
 */
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import type { DeploySummary } from '../../src/deploy/summary.js';
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

jest.setTimeout(240_000);

const names = namesFor('lock');
const DEPLOY_PATH = names.deployPath;
const SERVER = 'https://github.example';
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'pw-lock-test', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
const runUrl = (run: number) => `${SERVER}/doongzi/doongzi-backend/actions/runs/${run}`;

let host: HostEnv;
let runnerTemp: string;

/** One deploy as run N of the workflow; `onInfo` sees its log lines as they come. */
async function deploy(version: string, run: number, extra: Record<string, string> = {}, onInfo?: (m: string) => void) {
  const env = { ...ENV, GITHUB_SERVER_URL: SERVER, GITHUB_RUN_ID: String(run) };
  const plan = buildDeployPlan(
    parseDeployInputs(inputsFor(names, [host], extra), env),
    exampleSource(names, [], tagEvent(version)),
  );
  const log = recordingLog();
  if (onInfo) log.onInfo = onInfo;
  const started = Date.now();
  try {
    const summary = await runDeploy(plan, log);
    return { version, summary, error: undefined, ended: Date.now(), started, log };
  } catch (e) {
    return {
      version,
      summary: (e as { summary?: DeploySummary }).summary,
      error: e as Error,
      ended: Date.now(),
      started,
      log,
    };
  }
}

const lockMs = (s: DeploySummary | undefined) => s?.hosts[0]?.steps.find((t) => t.step === 'lock')?.ms ?? -1;

function expectExactlyRelease(version: string): void {
  expect(readlinkSync(path.join(DEPLOY_PATH, 'current'))).toBe(`releases/${version}`);
  const c = containerOf(names, undefined)!;
  expect(c.image).toBe(`${names.repository}:${version}`);
  expect(c.health).toBe('healthy');
}

beforeAll(() => {
  host = startHost('lock');
  buildExampleImage();
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-runner-temp-'));
  process.env.RUNNER_TEMP = runnerTemp;
  process.env.DEPLOY_TEST_DB_PASSWORD = ENV.DEPLOY_TEST_DB_PASSWORD;
});

afterAll(() => {
  delete process.env.DEPLOY_TEST_DB_PASSWORD;
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  rmSync(runnerTemp, { recursive: true, force: true });
});

test('two deploys started together: one waits for the other; the host ends on the one that finished last', async () => {
  const results = await Promise.all([deploy('1.0.0', 101), deploy('1.1.0', 102)]);
  for (const r of results) expect(r.error).toBeUndefined();
  const [first, second] = [...results].sort((a, b) => a.ended - b.ended) as [(typeof results)[0], (typeof results)[0]];
  // The second waited for the lock until the first had finished: their deploys did not overlap.
  expect(lockMs(second.summary)).toBeGreaterThan(lockMs(first.summary));
  expect(second.started + lockMs(second.summary)).toBeGreaterThanOrEqual(first.ended - 2_000);
  expect(second.summary!.previousVersion).toBe(first.version);
  expectExactlyRelease(second.version);
  // Released at the end: the lock script ends once the connection closes (after the deploy returned), and its
  // record goes with the lock.
  const holderFile = path.join(DEPLOY_PATH, '.deploy-action.lock.holder');
  for (let i = 0; i < 100 && existsSync(holderFile); i++) await new Promise((r) => setTimeout(r, 100));
  expect(existsSync(holderFile)).toBe(false);
});

test('a deploy that cannot get the lock within lock-timeout fails naming the holder and changes nothing', async () => {
  const before = readlinkSync(path.join(DEPLOY_PATH, 'current')).replace('releases/', '');
  let refused: Promise<Awaited<ReturnType<typeof deploy>>> | undefined;
  const holder = deploy('2.0.0', 201, {}, (m) => {
    // Start the second one the moment the first holds the lock.
    if (/deploy lock on .* held/.test(m) && !refused) refused = deploy('2.1.0', 202, { 'lock-timeout': '2' });
  });
  const held = await holder;
  const r = await refused!;
  expect(held.error).toBeUndefined();
  expect(r.error).toBeDefined();
  expect(r.error!.message).toContain(
    `deploy-path ${DEPLOY_PATH} is locked by another deploy (version 2.0.0, run ${runUrl(201)}, since `,
  );
  // The holder's start time, as the host's clock wrote it (UTC), within the holder's run.
  const since = /, since (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)/.exec(r.error!.message)?.[1];
  expect(since).toBeDefined();
  expect(Date.parse(since!)).toBeGreaterThanOrEqual(Math.floor(held.started / 1000) * 1000);
  expect(Date.parse(since!)).toBeLessThanOrEqual(held.ended);
  expect(r.error!.message).toContain('still held after lock-timeout (2s); nothing was changed on this host');
  expect(r.error!.message).toContain('No host was switched to the new release.');
  expect(r.summary!.hosts[0]!.status).toBe('unchanged');
  expect(r.summary!.hosts[0]!.steps.map((s) => s.step)).toEqual(['connect', 'lock']);
  // Nothing staged for the refused release; the host runs the holder's.
  expect(existsSync(path.join(DEPLOY_PATH, 'releases/2.1.0'))).toBe(false);
  expect(before).not.toBe('2.0.0');
  expectExactlyRelease('2.0.0');
});
