// The `image` input: its parsing, the OCI index read per platform, and verification of archives and layouts read
// from disk with no engine (tests/e2e/check-image-input.test.ts does the same on images the real engine built).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCheckInputs } from '../../src/action/inputs.js';
import { parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { parseImageSource, parsePlatform, platformMatches } from '../../src/check/image/source/image-source.js';
import { verifySource } from '../../src/check/image/source/verify-source.js';
import { readSavedImages } from '../../src/check/image/saved-image.js';
import { UserFacingError } from '../../src/findings/finding.js';
import { ociLayout, layoutTar, type PlatformImage, writeLayout } from './oci-index-helpers.js';
import { legacySave, matcher, streamOf } from './saved-image-helpers.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nappuser:x:10001:10001::/home/app:/bin/sh\n';
const base = [
  { name: 'etc/passwd', body: PASSWD, mode: 0o644 },
  { name: 'etc/group', body: 'root:x:0:\nappuser:x:10001:\n', mode: 0o644 },
];
const amd64: PlatformImage = {
  os: 'linux',
  architecture: 'amd64',
  user: 'appuser',
  layers: [base, [{ name: 'app/run', body: 'x' }]],
};
// The arm64 image runs as root and ships make: its findings must say which platform they are about.
const arm64: PlatformImage = {
  os: 'linux',
  architecture: 'arm64',
  variant: 'v8',
  user: '',
  layers: [base, [{ name: 'usr/bin/make', body: 'make' }]],
};

const DOCKERFILE = 'FROM deploy-action-test/busybox:latest AS runner\nRUN step 1\nUSER appuser\n';
const parsed = parseDockerfile(DOCKERFILE, new Map());
const proofs = {
  parsed,
  target: parsed.stages[0]!,
  dockerfileLabel: 'deploy/Dockerfile',
  forbiddenTools: [],
  allowedTools: [],
};

describe('parseImageSource', () => {
  test('engine names and IDs, and the three archive prefixes resolved against the working directory', () => {
    expect(parseImageSource('', '/ws')).toBeUndefined();
    expect(parseImageSource('ghcr.io/o/app:1.2@sha256:ab', '/ws')).toEqual({
      kind: 'engine',
      ref: 'ghcr.io/o/app:1.2@sha256:ab',
    });
    expect(parseImageSource('sha256:0123abcd', '/ws')).toEqual({ kind: 'engine', ref: 'sha256:0123abcd' });
    expect(parseImageSource('docker-archive:out/app.tar', '/ws')).toMatchObject({
      kind: 'docker-archive',
      path: '/ws/out/app.tar',
    });
    expect(parseImageSource('oci-archive:/tmp/x.tar', '/ws')).toMatchObject({
      kind: 'oci-archive',
      path: '/tmp/x.tar',
    });
    expect(parseImageSource('oci-layout:oci', '/ws')).toMatchObject({
      kind: 'oci-layout',
      path: '/ws/oci',
      label: 'oci-layout:oci',
    });
  });
  test('an empty path or a value no engine could name is a clear input error', () => {
    expect(() => parseImageSource('oci-layout:', '/ws')).toThrow(/give a path after 'oci-layout:'/);
    expect(() => parseImageSource('--help', '/ws')).toThrow(UserFacingError);
    expect(() => parseImageSource('my image', '/ws')).toThrow(/not an image name or ID/);
  });
  test('platforms: os/arch[/variant]; arm64 means v8 when no variant is named', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(() => parsePlatform('arm64')).toThrow(/not os\/arch/);
    expect(platformMatches(parsePlatform('linux/arm64'), 'linux/arm64/v8')).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64/v8'), 'linux/arm64')).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), 'linux/arm/v6')).toBe(false);
    expect(platformMatches(parsePlatform('linux/amd64'), 'linux/arm64')).toBe(false);
  });
});

describe('image and build inputs', () => {
  const inputs = (values: Record<string, string>) => readCheckInputs((n) => values[n] ?? '', '/ws');
  test('build defaults to true, takes the YAML spellings, and refuses anything else', () => {
    expect(inputs({}).build).toBe(true);
    expect(inputs({ build: 'False' }).build).toBe(false);
    expect(() => inputs({ build: 'no' })).toThrow(/Input 'build' must be true or false; got 'no'/);
  });
  test('image with build: false is refused, naming both', () => {
    expect(() => inputs({ image: 'app:1', build: 'false' })).toThrow(/'image' and 'build: false' cannot be combined/);
  });
  test('a bad platform fails before anything runs; an archive cannot be deployed', () => {
    expect(() => inputs({ image: 'oci-layout:o', platforms: 'linux/amd64,arm64' })).toThrow(/'arm64' is not os\/arch/);
    expect(inputs({ image: 'oci-layout:o', platforms: 'linux/amd64\nlinux/arm64' }).platforms).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(() => inputs({ mode: 'deploy', image: 'docker-archive:a.tar' })).toThrow(/delivers an engine image/);
  });
});

describe('OCI index read per platform', () => {
  const options = { isInteresting: (p: string) => matcher.isInteresting(p), wantContents: ['etc/passwd'] };
  test('a nested index (buildx) gives one image per platform, attestations skipped, IDs the config digests', async () => {
    const layout = await ociLayout([amd64, arm64], { nested: true, attestation: true });
    const images = await readSavedImages(streamOf(await layoutTar(layout), 3001), options);
    expect(images.map((i) => i.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(images.map((i) => i.configDigest)).toEqual(layout.configDigests);
    expect(images.map((i) => i.config.config?.User)).toEqual(['appuser', '']);
    expect(images[1]!.finalFiles.map((f) => f.path)).toContain('usr/bin/make');
    expect(images[0]!.finalFiles.map((f) => f.path)).not.toContain('usr/bin/make');
    expect(images[0]!.repoTags).toEqual(['latest']);
  });
  test('a legacy docker save holds one image; its platform comes from the config', async () => {
    const images = await readSavedImages(streamOf(await legacySave({ layers: [base] })), options);
    expect(images.map((i) => i.platform)).toEqual(['linux/amd64']);
    expect(images[0]!.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('verifySource on files, with no engine', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'h-imagein-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const at = (name: string) => path.join(dir, name);

  test('an oci-layout directory with two platforms: each proven, each finding saying its platform', async () => {
    const layout = await ociLayout([amd64, arm64], { nested: true, attestation: true });
    await writeLayout(layout, at('layout'));
    const verified = await verifySource(
      { kind: 'oci-layout', path: at('layout'), label: 'oci-layout:layout' },
      proofs,
      [],
    );
    expect(verified.map((v) => [v.platform, v.facts.imageId, v.facts.runtimeUser])).toEqual([
      ['linux/amd64', layout.configDigests[0], '10001:10001'],
      ['linux/arm64/v8', layout.configDigests[1], '0:0'],
    ]);
    expect(verified[0]!.findings).toEqual([]);
    const arm = verified[1]!.findings;
    expect(arm.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['DA-IMG-001', 'DA-IMG-003']));
    expect(arm.every((f) => f.message.startsWith('[linux/arm64/v8] '))).toBe(true);
    // Still mapped to Dockerfile lines through the history: make came from `RUN step 1` at line 2.
    expect(arm.find((f) => f.ruleId === 'DA-IMG-003')?.location).toEqual({ file: 'deploy/Dockerfile', line: 2 });
  });
  test('platforms selects; a platform the index lacks is one clear error listing what it holds', async () => {
    const layout = await ociLayout([amd64, arm64]);
    await writeFile(at('multi.tar'), await layoutTar(layout));
    const source = { kind: 'oci-archive', path: at('multi.tar'), label: 'oci-archive:multi.tar' } as const;
    const only = await verifySource(source, proofs, ['linux/arm64']);
    expect(only.map((v) => v.platform)).toEqual(['linux/arm64/v8']);
    // One platform proven: no prefix needed.
    expect(only[0]!.findings.every((f) => !f.message.startsWith('['))).toBe(true);
    await expect(verifySource(source, proofs, ['linux/s390x'])).rejects.toMatchObject({
      ruleId: 'DA-INP-022',
      message: expect.stringContaining('holds only: linux/amd64, linux/arm64/v8'),
    });
  });
  test('a gzipped docker save is read; a truncated one and a missing file are clear errors', async () => {
    const save = await legacySave({ user: 'appuser', layers: [base] });
    await writeFile(at('app.tar.gz'), gzipSync(save));
    const ok = await verifySource(
      { kind: 'docker-archive', path: at('app.tar.gz'), label: 'docker-archive:app.tar.gz' },
      proofs,
      [],
    );
    expect(ok.map((v) => v.facts.runtimeUser)).toEqual(['10001:10001']);

    await writeFile(at('cut.tar'), save.subarray(0, Math.floor(save.length / 2)));
    await expect(
      verifySource({ kind: 'docker-archive', path: at('cut.tar'), label: 'docker-archive:cut.tar' }, proofs, []),
    ).rejects.toMatchObject({ ruleId: 'DA-INP-021', message: expect.stringContaining('docker-archive:cut.tar') });
    const gz = gzipSync(save);
    await writeFile(at('cut.tar.gz'), gz.subarray(0, gz.length - 20));
    await expect(
      verifySource({ kind: 'docker-archive', path: at('cut.tar.gz'), label: 'docker-archive:cut.tar.gz' }, proofs, []),
    ).rejects.toMatchObject({ ruleId: 'DA-INP-021' });
    await expect(
      verifySource({ kind: 'oci-archive', path: at('nope.tar'), label: 'oci-archive:nope.tar' }, proofs, []),
    ).rejects.toMatchObject({ ruleId: 'DA-INP-020', message: expect.stringContaining('does not exist') });
    await expect(
      verifySource({ kind: 'oci-layout', path: at('app.tar.gz'), label: 'oci-layout:app.tar.gz' }, proofs, []),
    ).rejects.toMatchObject({ ruleId: 'DA-INP-021', message: expect.stringContaining('not a directory') });
  });
});
