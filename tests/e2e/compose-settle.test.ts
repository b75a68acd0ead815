/**
 * What a killed `up` leaves under Compose's temporary recreate name, on the real engine and compose 2.26, and what
 * the rollback's settle script does with it. The script runs here through `sh -c` exactly as the host's shell runs
 * it over SSH. A created (never started) leftover is removed; one a later `up` adopted and started serves, so it is
 * kept and given its final name. Test-only project of busybox containers with no network.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { settleHalfRecreatedScript } from '../../src/deploy/remote/scripts/compose.js';

const PROJECT = 'deploy-action-test-settle';
const NAME = `${PROJECT}-s-1`;
const TMP = `abcdef123456_${NAME}`;
let dir: string;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const compose = (...args: string[]) =>
  execFileSync('docker', ['compose', '-p', PROJECT, '-f', path.join(dir, 'compose.yml'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const settle = () => execFileSync('sh', ['-c', settleHalfRecreatedScript(PROJECT).text], { encoding: 'utf8' });
/** `name state` of the project's containers. */
const containers = () =>
  docker('ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}} {{.State}}')
    .split('\n')
    .filter(Boolean)
    .sort();

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'settle-'));
  writeFileSync(
    path.join(dir, 'compose.yml'),
    'services:\n  s:\n    image: deploy-action-test/busybox:latest\n    command: ["sleep", "600"]\n    network_mode: none\n',
  );
});

/** Every container of the project, by its label (a leftover made by hand has no service label for `down`). */
function removeAll(): void {
  const ids = docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`);
  if (ids) docker('rm', '-f', ...ids.split('\n'));
}
beforeEach(removeAll);
afterEach(removeAll);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a leftover created under the temporary name and never started is removed; the serving container stays', () => {
  compose('up', '-d');
  // The new container of an interrupted recreate: created, not started, under the temporary name.
  docker(
    'create',
    '--name',
    TMP,
    '--network',
    'none',
    '--label',
    `com.docker.compose.project=${PROJECT}`,
    'deploy-action-test/busybox:latest',
    'sleep',
    '600',
  );
  expect(containers()).toEqual([`${TMP} created`, `${NAME} running`]);
  settle();
  expect(containers()).toEqual([`${NAME} running`]);
});

test('a container a later up adopted and started under the temporary name keeps serving, under its final name', () => {
  compose('up', '-d');
  docker('stop', '-t', '0', NAME);
  docker('rename', NAME, TMP);
  // Compose adopts it (same service labels and config) and starts it under the temporary name.
  compose('up', '-d');
  expect(containers()).toEqual([`${TMP} running`]);
  const id = docker('inspect', '--format', '{{.Id}}', TMP);
  settle();
  expect(containers()).toEqual([`${NAME} running`]);
  expect(docker('inspect', '--format', '{{.Id}}', NAME)).toBe(id);
  // And Compose still knows it as the service's container: another up changes nothing.
  compose('up', '-d');
  expect(docker('inspect', '--format', '{{.Id}}', NAME)).toBe(id);
});
