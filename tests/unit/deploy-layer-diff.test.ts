/**
 * Layer-diff delivery, the pure parts: which directory of a legacy save holds which layer (checked against a
 * recording of dockerd 20.10), the stream filter over save tars built in memory, the host's answer read into a
 * decision through the scripted shell, and the two remote scripts run by /bin/sh with a `docker` shim.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { decideFromRecords, decideLayerDiff } from '../../src/deploy/layer-diff/host-layers.js';
import { filterSaveStream, type LayerDropPlan } from '../../src/deploy/layer-diff/save-filter.js';
import { chainIds, layerIndexOf, rawMembers } from '../../src/deploy/layer-diff/v1-id.js';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { imageLayersScript, imageLoadScript } from '../../src/deploy/remote/scripts/image.js';
import { ScriptedShell, records, type Call } from './deploy-scripted-shell.js';
import { FIXTURES } from '../helpers/paths.js';

interface Recording {
  diffIds: string[];
  manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
  layerJson: Record<string, string>;
}
const REC = JSON.parse(readFileSync(path.join(FIXTURES, 'layer-diff/dockerd-20.10-save.json'), 'utf8')) as Recording;
const dirOf = (i: number) => REC.manifest[0]!.Layers[i]!.split('/')[0]!;

test('each layer directory of a dockerd 20.10 save maps to the layer manifest.json lists it as', () => {
  const chains = chainIds(REC.diffIds);
  for (let i = 0; i < REC.diffIds.length; i += 1) {
    expect(layerIndexOf(dirOf(i), REC.layerJson[dirOf(i)]!, chains)).toBe(i);
  }
  // Another image's chain (a different base layer) matches none of them.
  const other = chainIds(['sha256:' + '0'.repeat(64), ...REC.diffIds.slice(1)]);
  for (let i = 1; i < 5; i += 1) expect(layerIndexOf(dirOf(i), REC.layerJson[dirOf(i)]!, other)).toBeUndefined();
  // A changed json (another build time on the top layer) proves nothing either.
  const top = REC.layerJson[dirOf(4)]!.replace('"created":"2026', '"created":"2025');
  expect(layerIndexOf(dirOf(4), top, chains)).toBeUndefined();
});

test('raw members keep the bytes Go wrote, nested and escaped values included', () => {
  expect(rawMembers('{"a":"x\\u0026\\"}","b":{"c":[1,{"d":"]"}]},"e":null}')).toEqual([
    ['a', '"x\\u0026\\"}"'],
    ['b', '{"c":[1,{"d":"]"}]}'],
    ['e', 'null'],
  ]);
  expect(rawMembers('[1]')).toBeUndefined();
  expect(rawMembers('{"a":1')).toBeUndefined();
});

type Entry = { name: string; body?: Buffer; type?: 'file' | 'directory' | 'symlink'; linkname?: string };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755 });
    else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname! });
    else pack.entry({ name: e.name, mode: 0o644 }, e.body ?? Buffer.alloc(0));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function entriesOf(stream: Readable): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  stream.on('error', (e) => extract.destroy(e));
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.set(entry.header.name, Buffer.concat(chunks));
  }
  return out;
}

/** A legacy save laid out as dockerd writes it: entries in name order, each directory's json before its blob. */
function legacySave(manifest = REC.manifest, bigLayer = 0): Entry[] {
  const dirs = Object.keys(REC.layerJson).sort();
  const entries: Entry[] = [{ name: REC.manifest[0]!.Config, body: Buffer.from('{"rootfs":{}}') }];
  for (const d of dirs) {
    const i = REC.manifest[0]!.Layers.indexOf(`${d}/layer.tar`);
    const size = i === bigLayer ? 4 * 1024 * 1024 + 3 : 1024;
    entries.push(
      { name: `${d}/`, type: 'directory' },
      { name: `${d}/VERSION`, body: Buffer.from('1.0') },
      { name: `${d}/json`, body: Buffer.from(REC.layerJson[d]!) },
      { name: `${d}/layer.tar`, body: Buffer.alloc(size, i + 1) },
    );
  }
  entries.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) });
  entries.push({ name: 'repositories', body: Buffer.from('{}') });
  return entries;
}

async function filter(entries: Entry[], plan: LayerDropPlan) {
  const input = Readable.from([await tarOf(entries)]);
  const { output, done } = filterSaveStream(input, plan);
  const [got, stats] = await Promise.all([entriesOf(output), done]);
  return { got, stats };
}

/** What a manifest.json load never reads: each layer's v1 `json` and `VERSION`, and `repositories`. */
const preManifestOnly = (name: string) => /\/(json|VERSION)$/.test(name) || name === 'repositories';

test('the filter leaves out exactly the held layers; what a manifest.json load reads passes byte for byte', async () => {
  const entries = legacySave();
  const { got, stats } = await filter(entries, { diffIds: REC.diffIds, drop: new Set([0, 1, 2, 3]) });
  // A held layer's whole directory stays out; of the top layer's only its directory and blob go, with the config
  // and manifest.json.
  const dropped = [0, 1, 2, 3].map(dirOf);
  for (const e of entries) {
    if (dropped.some((d) => e.name.startsWith(`${d}/`)) || preManifestOnly(e.name)) expect(got.has(e.name)).toBe(false);
    else expect(got.get(e.name)).toEqual(e.body ?? Buffer.alloc(0));
  }
  expect([...got.keys()].filter((n) => n.startsWith(dirOf(4)))).toEqual([`${dirOf(4)}/`, `${dirOf(4)}/layer.tar`]);
  expect(stats).toEqual({
    layerBlobs: 5,
    layerBytes: 4 * 1024 * 1024 + 3 + 4 * 1024,
    droppedBlobs: 4,
    droppedBytes: 4 * 1024 * 1024 + 3 + 3 * 1024,
    unmapped: 0,
  });
});

test('a blob whose directory proves no layer of the image is sent, and counted', async () => {
  const entries = legacySave().map((e) =>
    e.name === `${dirOf(1)}/json`
      ? { ...e, body: Buffer.from(e.body!.toString().replace('"Hostname":""', '"Hostname":"x"')) }
      : e,
  );
  const { got, stats } = await filter(entries, { diffIds: REC.diffIds, drop: new Set([0, 1]) });
  expect(got.has(`${dirOf(0)}/layer.tar`)).toBe(false);
  expect(got.get(`${dirOf(1)}/layer.tar`)).toEqual(Buffer.alloc(1024, 2));
  expect(got.has(`${dirOf(1)}/VERSION`)).toBe(false);
  expect(stats).toMatchObject({ droppedBlobs: 1, unmapped: 1 });
});

test('with nothing held the stream still loses only what the manifest.json load never reads', async () => {
  const entries = legacySave();
  const { got, stats } = await filter(entries, { diffIds: REC.diffIds, drop: new Set() });
  expect([...got.keys()].sort()).toEqual(
    entries
      .map((e) => e.name)
      .filter((n) => !preManifestOnly(n))
      .sort(),
  );
  expect(stats).toMatchObject({ layerBlobs: 5, droppedBlobs: 0 });
});

test('a legacy stream without manifest.json (the pre-1.10 loader would need what was trimmed) stops with an error', async () => {
  const input = Readable.from([await tarOf(legacySave().filter((e) => e.name !== 'manifest.json'))]);
  const { output, done } = filterSaveStream(input, { diffIds: REC.diffIds, drop: new Set([0]) });
  const read = entriesOf(output).catch((e: Error) => e);
  await expect(done).rejects.toThrow(/no manifest\.json .*the partial stream was stopped/);
  expect(await read).toBeInstanceOf(Error);
});

test('a manifest that lists a left-out blob elsewhere stops the stream with an error', async () => {
  const swapped = [{ ...REC.manifest[0]!, Layers: [...REC.manifest[0]!.Layers].reverse() }];
  const input = Readable.from([await tarOf(legacySave(swapped))]);
  const { output, done } = filterSaveStream(input, { diffIds: REC.diffIds, drop: new Set([0]) });
  const read = entriesOf(output).catch((e: Error) => e);
  await expect(done).rejects.toThrow(
    /manifest\.json does not list .*layer\.tar as layer 1; the partial stream was stopped/,
  );
  expect(await read).toBeInstanceOf(Error);
});

test('OCI layout: a blob named by a held diff ID is left out; config, index and other blobs pass', async () => {
  const hex = (i: number) => REC.diffIds[i]!.slice('sha256:'.length);
  const entries: Entry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    { name: `blobs/sha256/${hex(0)}`, body: Buffer.alloc(2048, 1) },
    { name: `blobs/sha256/${hex(1)}`, body: Buffer.alloc(512, 2) },
    { name: `blobs/sha256/${'c'.repeat(64)}`, body: Buffer.from('{"config":1}') },
    { name: 'index.json', body: Buffer.from('{}') },
    { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  ];
  const { got, stats } = await filter(entries, { diffIds: REC.diffIds.slice(0, 2), drop: new Set([0]) });
  expect([...got.keys()]).toEqual(entries.map((e) => e.name).filter((n) => n !== `blobs/sha256/${hex(0)}`));
  expect(stats).toMatchObject({ droppedBlobs: 1, droppedBytes: 2048 });
});

const chainRec = (ids: string[]) => ['chain', ids.join(',')] as [string, string];

test('the decision: the longest chain any host image shares; a layer needed again above it is kept', () => {
  const d = REC.diffIds;
  const v1 = [...d.slice(0, 4), 'sha256:' + 'e'.repeat(64)];
  expect(decideFromRecords(d, records([['driver', 'null'], chainRec(d.slice(0, 2)), chainRec(v1)]))).toEqual({
    kind: 'diff',
    held: 4,
    drop: new Set([0, 1, 2, 3]),
  });
  // The same diff ID at 1 and again at 3 (docker writes the second as a link to the first): 1 stays.
  const repeated = [d[0]!, d[1]!, d[2]!, d[1]!];
  expect(decideFromRecords(repeated, records([chainRec(repeated.slice(0, 3))]))).toEqual({
    kind: 'diff',
    held: 3,
    drop: new Set([0, 2]),
  });
  expect(decideFromRecords(d, records([['driver', 'null']]))).toEqual({
    kind: 'full',
    reason: 'the host holds none of its layers',
  });
  // A different base shares nothing, even with equal layers above it.
  expect(decideFromRecords(d, records([chainRec(['sha256:' + '1'.repeat(64), ...d.slice(1)])]))).toMatchObject({
    kind: 'full',
  });
});

test('the containerd image store gets the whole image, and the reason says so', () => {
  const driver = '[["driver-type","io.containerd.snapshotter.v1"]]';
  expect(decideFromRecords(REC.diffIds, records([['driver', driver], chainRec(REC.diffIds)]))).toEqual({
    kind: 'full',
    reason: expect.stringContaining('containerd image store') as unknown as string,
  });
});

test('through the shell: one image-layers call; a failing listing means the whole image; a lost link throws', async () => {
  const calls: Call[] = [];
  const held = new ScriptedShell('h', () => ({ stdout: records([chainRec(REC.diffIds.slice(0, 3))]) }), calls);
  expect(await decideLayerDiff(held, REC.diffIds)).toMatchObject({ kind: 'diff', held: 3 });
  expect(calls.map((c) => c.name)).toEqual(['image-layers']);

  const failing = new ScriptedShell('h', () => ({ code: 125, stderr: 'permission denied' }), []);
  expect(await decideLayerDiff(failing, REC.diffIds)).toEqual({
    kind: 'full',
    reason: expect.stringMatching(
      /^listing the host's layers failed \(docker image inspect \(layers held\) on h failed/,
    ) as unknown as string,
  });
  expect(await decideLayerDiff(held, undefined)).toEqual({ kind: 'full', reason: "the image's layer list is unknown" });

  const lost = new ScriptedShell('h', () => ({ lose: true }), []);
  await expect(decideLayerDiff(lost, REC.diffIds)).rejects.toMatchObject({ kind: 'connection-lost' });
});

describe('remote scripts under /bin/sh with a docker shim', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-layer-diff-'));
    writeFileSync(
      path.join(tmp, 'docker'),
      [
        '#!/bin/sh',
        'case "$1 $2" in',
        `  "info --format") printf '[["driver-type","io.containerd.snapshotter.v1"]]\\n';;`,
        '  "image ls") printf "sha256:b\\nsha256:a\\nsha256:b\\n";;',
        '  "image inspect") shift 4; for i in "$@"; do printf "chain=%s-base,%s-top\\n" "$i" "$i"; done;;',
        '  "load ") cat >"$STDIN_COPY"; [ -z "${LOAD_FAILS:-}" ] || { echo "unexpected EOF" >&2; exit 1; };;',
        'esac',
      ].join('\n'),
    );
    chmodSync(path.join(tmp, 'docker'), 0o755);
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (text: string, stdin: Buffer, env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', ['-c', text], {
      input: stdin,
      env: { PATH: `${tmp}:${process.env.PATH}`, STDIN_COPY: path.join(tmp, 'stdin'), ...env },
    });

  test('image-layers reports the store and one chain per image, NUL-framed', () => {
    const r = run(imageLayersScript().text, Buffer.alloc(0));
    expect(r.status).toBe(0);
    const rec = parseRecords(r.stdout.toString());
    expect(rec.get('driver')).toEqual(['[["driver-type","io.containerd.snapshotter.v1"]]']);
    expect(rec.get('chain')).toEqual(['sha256:a-base,sha256:a-top', 'sha256:b-base,sha256:b-top']);
  });

  test('image-load hands docker load every byte and reports the count the host read', () => {
    const body = Buffer.alloc(200_003, 7);
    const r = run(imageLoadScript().text, body);
    expect({ code: r.status, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: '' });
    expect(parseRecords(r.stdout.toString()).get('received')).toEqual(['200003']);
    expect(readFileSync(path.join(tmp, 'stdin'))).toEqual(body);
    const failed = run(imageLoadScript().text, body, { LOAD_FAILS: '1' });
    expect({ code: failed.status, stderr: failed.stderr.toString() }).toEqual({ code: 1, stderr: 'unexpected EOF\n' });
  });
});
