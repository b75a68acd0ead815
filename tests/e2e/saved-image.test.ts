import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveUser } from '../../src/check/image/accounts.js';
import { buildToolMatcher } from '../../src/check/image/build-tools.js';
import { layerHistory } from '../../src/check/image/layer-provenance.js';
import { runtimeBuildTools } from '../../src/check/image/runtime-tools.js';
import { readSavedImage, type SavedImage } from '../../src/check/image/saved-image.js';

const IMAGE = `deploy-action-test/saved-image-gcc:${process.pid}`;
const GCC_BYTES = 123_457;

/** The real `docker save` stream, read as the action reads it: straight from the pipe, nothing on disk. */
function readImage(image: string): Promise<SavedImage> {
  const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker save failed: ${stderr}`)))),
  );
  const matcher = buildToolMatcher();
  return Promise.all([
    readSavedImage(child.stdout, {
      isInteresting: (p) => matcher.isInteresting(p),
      wantContents: ['etc/passwd', 'etc/group'],
    }),
    exited,
  ]).then(([image]) => image);
}

describe('readSavedImage on a real docker save (dockerd, legacy format)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'saved-image-'));
    await writeFile(path.join(dir, 'gcc-12'), Buffer.alloc(GCC_BYTES, 7), { mode: 0o755 });
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        'FROM deploy-action-test/busybox:latest',
        'COPY gcc-12 /usr/bin/gcc-12',
        'RUN echo "app:x:10001:10001::/home/app:/bin/sh" >> /etc/passwd',
        'RUN rm /usr/bin/gcc-12',
        'USER app',
        '',
      ].join('\n'),
    );
    execFileSync('docker', ['build', '--network', 'none', '-q', '-t', IMAGE, dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 120_000);

  afterAll(async () => {
    execFileSync('docker', ['image', 'rm', '-f', IMAGE], { stdio: 'ignore' });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('sees the compiler removed by a later layer, with its bytes, and the passwd the later layer wrote', async () => {
    const image = await readImage(IMAGE);
    const inspect = JSON.parse(execFileSync('docker', ['image', 'inspect', IMAGE]).toString()) as Array<{
      RootFS: { Layers: string[] };
    }>;
    expect(image.layers.map((l) => l.diffId)).toEqual(inspect[0]!.RootFS.Layers);

    expect(image.finalFiles.find((f) => f.path === 'usr/bin/gcc-12')).toBeUndefined();
    const removed = image.removedFiles.find((f) => f.path === 'usr/bin/gcc-12');
    expect(removed).toMatchObject({ type: 'file', size: GCC_BYTES, wastedBytes: GCC_BYTES, removedBy: 'whiteout' });

    // The layer indexes point at the COPY and the RUN rm through the image history.
    const byLayer = new Map(layerHistory(image.config).map((l) => [l.layerIndex, l.createdBy]));
    expect(byLayer.get(removed!.layerIndex)).toMatch(/COPY/);
    expect(byLayer.get(removed!.removedInLayer)).toMatch(/rm \/usr\/bin\/gcc-12/);

    expect(image.config.config?.User).toBe('app');
    expect(image.contents.get('etc/passwd')!.data.toString()).toContain('app:x:10001:10001');
    expect(image.contents.get('etc/passwd')!.layerIndex).toBe(removed!.layerIndex + 1);
  }, 120_000);
});

describe('readSavedImage on a real docker save: PATH through a directory symlink, passwd through a symlink', () => {
  const LINKED = `deploy-action-test/saved-image-linked:${process.pid}`;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'saved-image-linked-'));
    await mkdir(path.join(dir, 'tools'));
    await writeFile(path.join(dir, 'tools', 'gcc'), 'gcc', { mode: 0o755 });
    await writeFile(path.join(dir, 'tools', 'make'), 'make', { mode: 0o755 });
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        'FROM deploy-action-test/busybox:latest',
        'COPY tools/ /opt/tools/',
        'RUN mkdir -p /usr/local /var/lib/extrausers && rm -rf /usr/local/bin && ln -s ../../opt/tools /usr/local/bin \\',
        '  && (cat /etc/passwd 2>/dev/null || true) >/var/lib/extrausers/passwd && echo "app:x:1000:1000::/home/app:/bin/sh" >> /var/lib/extrausers/passwd \\',
        '  && rm -f /etc/passwd && ln -s /var/lib/extrausers/passwd /etc/passwd',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        'USER app',
        '',
      ].join('\n'),
    );
    execFileSync('docker', ['build', '--network', 'none', '-q', '-t', LINKED, dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 120_000);

  afterAll(async () => {
    execFileSync('docker', ['image', 'rm', '-f', LINKED], { stdio: 'ignore' });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('gcc and make on PATH are found, and app resolves to uid 1000', async () => {
    const image = await readImage(LINKED);
    const matcher = buildToolMatcher();
    expect(runtimeBuildTools(image, matcher).map((t) => t.path)).toEqual(
      expect.arrayContaining(['usr/local/bin/gcc', 'usr/local/bin/make']),
    );
    const passwd = image.contents.get('etc/passwd')?.data.toString();
    expect(resolveUser('app', passwd, image.contents.get('etc/group')?.data.toString())).toMatchObject({
      ok: true,
      uid: 1000,
      gid: 1000,
    });
  }, 120_000);
});
