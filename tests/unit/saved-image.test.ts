import { normalisePath, readSavedImage, SavedImageError } from '../../src/check/image/saved-image.js';
import { hex, legacySave, type ImageSpec, ociSave, packTar, paths, read, streamOf } from './saved-image-helpers.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\n';
const PASSWD_APP = `${PASSWD}appuser:x:10001:10001::/home/appuser:/bin/sh\n`;

const story: ImageSpec = {
  user: 'appuser',
  layers: [
    [
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/', type: 'directory' },
      { name: 'usr/bin/python3', body: 'py' },
      { name: 'usr/bin/make', body: 'make-binary' },
      { name: 'etc/passwd', body: PASSWD, mode: 0o644 },
      { name: 'etc/group', body: 'root:x:0:\n', mode: 0o644 },
      { name: 'usr/include/python3.12/Python.h', body: '/* header */', mode: 0o644 },
      { name: 'usr/bin/python3-config', body: '#!/bin/sh' },
      { name: 'usr/local/bin/pip', body: '#!/bin/sh' },
    ],
    [
      { name: './usr/bin/x86_64-linux-gnu-gcc-12', body: Buffer.alloc(5000, 1) },
      { name: './usr/bin/gcc-12', type: 'link', linkname: './usr/bin/x86_64-linux-gnu-gcc-12' },
      { name: './usr/bin/cc', type: 'symlink', linkname: 'gcc-12' },
      { name: './opt/tool/bin/cmake', body: Buffer.alloc(300, 2) },
    ],
    [
      // A later layer deletes gcc and its link with whiteouts, and replaces passwd.
      { name: 'usr/bin/.wh.x86_64-linux-gnu-gcc-12', body: '', mode: 0o644 },
      { name: 'usr/bin/.wh.gcc-12', body: '', mode: 0o644 },
      { name: 'etc/passwd', body: PASSWD_APP, mode: 0o644 },
      { name: 'opt/.wh..wh..opq', body: '', mode: 0o644 },
      { name: 'opt/other/bin/ninja', body: 'ninja' },
    ],
  ],
};

describe('readSavedImage', () => {
  test('legacy save: layers ordered by manifest.json even when it comes last and layers arrive out of order', async () => {
    const image = await read(await legacySave(story));
    expect(image.format).toBe('docker');
    expect(image.repoTags).toEqual(['t/app:1']);
    expect(image.layers.map((l) => [l.index, l.path.endsWith('/layer.tar'), l.diffId])).toEqual([
      [0, true, `sha256:${hex(1)}`],
      [1, true, `sha256:${hex(2)}`],
      [2, true, `sha256:${hex(3)}`],
    ]);
    expect(image.layers[1]!.entryCount).toBe(4);
    expect(image.layers.every((l) => l.size > 0 && l.tarSize === l.size && l.compression === 'none')).toBe(true);
    expect(image.config.config?.User).toBe('appuser');
    expect(image.config.history).toHaveLength(3);
  });

  test('final filesystem: whiteouts and opaque dirs honoured, symlinks kept as such, who wrote what', async () => {
    const image = await read(await legacySave(story));
    expect(paths(image.finalFiles)).toEqual([
      'etc/group',
      'etc/passwd',
      'opt/other/bin/ninja',
      'usr/bin/cc',
      'usr/bin/make',
    ]);
    const cc = image.finalFiles.find((f) => f.path === 'usr/bin/cc')!;
    expect(cc).toMatchObject({ type: 'symlink', linkTarget: 'gcc-12', layerIndex: 1, size: 0 });
    expect(image.finalFiles.find((f) => f.path === 'usr/bin/make')).toMatchObject({
      type: 'file',
      size: 11,
      mode: 0o755,
      layerIndex: 0,
    });
    expect(image.finalFiles.find((f) => f.path === 'etc/passwd')!.layerIndex).toBe(2);
  });

  test('removed files: still shipped, with the bytes wasted and the adding and removing layers', async () => {
    const image = await read(await legacySave(story));
    expect(
      image.removedFiles.map((r) => [r.path, r.type, r.layerIndex, r.removedInLayer, r.removedBy, r.wastedBytes]),
    ).toEqual([
      ['usr/bin/x86_64-linux-gnu-gcc-12', 'file', 1, 2, 'whiteout', 5000],
      ['usr/bin/gcc-12', 'link', 1, 2, 'whiteout', 0],
      ['opt/tool/bin/cmake', 'file', 1, 2, 'opaque', 300],
    ]);
    expect(image.removedFiles.find((r) => r.path === 'usr/bin/gcc-12')!.linkTarget).toBe(
      'usr/bin/x86_64-linux-gnu-gcc-12',
    );
  });

  test('contents: the final passwd (replaced by a later layer), not the first one', async () => {
    const image = await read(await legacySave(story));
    expect(image.contents.get('etc/passwd')).toEqual({
      data: Buffer.from(PASSWD_APP),
      truncated: false,
      layerIndex: 2,
    });
    expect(image.contents.get('etc/group')!.data.toString()).toBe('root:x:0:\n');
  });

  test('headers, python3-config and pip are never kept; only interesting paths are', async () => {
    const image = await read(await legacySave(story));
    const all = [...paths(image.finalFiles), ...paths(image.removedFiles)];
    expect(all).not.toContain('usr/include/python3.12/Python.h');
    expect(all).not.toContain('usr/bin/python3-config');
    expect(all).not.toContain('usr/local/bin/pip');
    expect(all).not.toContain('usr/bin/python3');
  });

  test('chunking does not matter: one byte at a time and one big chunk agree', async () => {
    const saved = await legacySave(story);
    const big = await read(saved, saved.length);
    const tiny = await read(saved.subarray(0, saved.length), 511);
    expect(tiny.finalFiles).toEqual(big.finalFiles);
    expect(tiny.removedFiles).toEqual(big.removedFiles);
    expect(tiny.contents).toEqual(big.contents);
  });

  test('OCI layout with gzip layers and Docker manifest.json', async () => {
    const image = await read(await ociSave({ ...story, gzip: [true, false, true] }, true));
    expect(image.format).toBe('oci');
    expect(image.configPath).toBe(`blobs/sha256/${hex(3000)}`);
    expect(image.layers.map((l) => l.compression)).toEqual(['gzip', 'none', 'gzip']);
    expect(image.layers[0]!.tarSize).toBeGreaterThan(image.layers[0]!.size);
    expect(paths(image.finalFiles)).toEqual([
      'etc/group',
      'etc/passwd',
      'opt/other/bin/ninja',
      'usr/bin/cc',
      'usr/bin/make',
    ]);
    expect(paths(image.removedFiles)).toEqual([
      'usr/bin/x86_64-linux-gnu-gcc-12',
      'usr/bin/gcc-12',
      'opt/tool/bin/cmake',
    ]);
    expect(image.contents.get('etc/passwd')!.data.toString()).toBe(PASSWD_APP);
  });

  test('OCI layout with a zstd layer: read through the same decompression step as gzip', async () => {
    const image = await read(await ociSave({ ...story, zstd: [true, false, true] }, false));
    expect(image.layers.map((l) => l.compression)).toEqual(['zstd', 'none', 'zstd']);
    expect(image.layers[2]!.tarSize).toBeGreaterThan(image.layers[2]!.size);
    expect(paths(image.finalFiles)).toEqual([
      'etc/group',
      'etc/passwd',
      'opt/other/bin/ninja',
      'usr/bin/cc',
      'usr/bin/make',
    ]);
    expect(image.contents.get('etc/passwd')!.data.toString()).toBe(PASSWD_APP);
  });

  test('OCI layout without manifest.json: the order comes from index.json and the manifest blob', async () => {
    const image = await read(await ociSave(story, false));
    expect(image.repoTags).toEqual(['docker.io/t/app:1']);
    expect(image.layers.map((l) => l.path)).toEqual([0, 1, 2].map((i) => `blobs/sha256/${hex(2000 + i)}`));
    expect(paths(image.removedFiles)).toEqual([
      'usr/bin/x86_64-linux-gnu-gcc-12',
      'usr/bin/gcc-12',
      'opt/tool/bin/cmake',
    ]);
  });

  test('a whiteout of a whole directory removes everything interesting below it', async () => {
    const image = await read(
      await legacySave({
        layers: [
          [
            { name: 'root/.cargo/bin/cargo', body: 'c' },
            { name: 'root/.cargo/bin/rustc', body: 'rr' },
          ],
          [{ name: 'root/.wh..cargo', body: '' }],
        ],
      }),
    );
    expect(image.finalFiles).toEqual([]);
    expect(image.removedFiles.map((r) => [r.path, r.removedBy, r.wastedBytes])).toEqual([
      ['root/.cargo/bin/cargo', 'whiteout', 1],
      ['root/.cargo/bin/rustc', 'whiteout', 2],
    ]);
  });

  test("an opaque dir hides lower layers only, not the layer's own new entries", async () => {
    const image = await read(
      await legacySave({
        layers: [
          [{ name: 'app/.venv/bin/uv', body: 'old' }],
          [
            { name: 'app/.venv/bin/uv', body: 'new!' },
            { name: 'app/.venv/.wh..wh..opq', body: '' },
          ],
        ],
      }),
    );
    expect(image.finalFiles).toMatchObject([{ path: 'app/.venv/bin/uv', size: 4, layerIndex: 1 }]);
    expect(image.removedFiles).toMatchObject([
      { path: 'app/.venv/bin/uv', size: 3, layerIndex: 0, removedBy: 'opaque' },
    ]);
  });

  test('a symlink written over a directory hides what the lower layers had in it', async () => {
    const image = await read(
      await legacySave({
        layers: [
          [{ name: 'usr/local/bin/git', body: 'git' }],
          [{ name: 'usr/local/bin', type: 'symlink', linkname: '/usr/bin' }],
        ],
      }),
    );
    expect(image.finalFiles).toEqual([]);
    expect(image.removedFiles).toMatchObject([{ path: 'usr/local/bin/git', removedBy: 'replaced', removedInLayer: 1 }]);
  });

  test('a file added, removed, then added again: present at runtime and still counted as shipped once removed', async () => {
    const image = await read(
      await legacySave({
        layers: [
          [{ name: 'usr/bin/git', body: 'v1' }],
          [{ name: 'usr/bin/.wh.git', body: '' }],
          [{ name: 'usr/bin/git', body: 'v22' }],
        ],
      }),
    );
    expect(image.finalFiles).toMatchObject([{ path: 'usr/bin/git', size: 3, layerIndex: 2 }]);
    expect(image.removedFiles).toMatchObject([{ path: 'usr/bin/git', size: 2, layerIndex: 0, removedInLayer: 1 }]);
  });

  test('a whiteout of passwd leaves no contents; oversized contents are capped and marked', async () => {
    const gone = await read(
      await legacySave({ layers: [[{ name: 'etc/passwd', body: PASSWD }], [{ name: 'etc/.wh.passwd', body: '' }]] }),
    );
    expect(gone.contents.has('etc/passwd')).toBe(false);
    expect(gone.finalFiles).toEqual([]);

    const big = await readSavedImage(
      streamOf(await legacySave({ layers: [[{ name: 'etc/passwd', body: 'x'.repeat(5000) }]] })),
      {
        isInteresting: () => false,
        wantContents: ['/etc/passwd'],
        maxContentBytes: 1000,
      },
    );
    expect(big.contents.get('etc/passwd')).toMatchObject({ truncated: true });
    expect(big.contents.get('etc/passwd')!.data.length).toBe(1000);
  });

  test('an image with no passwd and no tools at all', async () => {
    const image = await read(await legacySave({ layers: [[{ name: 'app/server', body: 'bin' }]], user: '65532' }));
    expect(image.finalFiles).toEqual([]);
    expect(image.contents.size).toBe(0);
    expect(image.config.config?.User).toBe('65532');
  });

  test('a layer linked to another (the same layer twice in an image) is read once and applied twice', async () => {
    const layer = await packTar([{ name: 'usr/bin/make', body: 'mk' }]);
    const config = {
      config: { User: '' },
      history: [],
      rootfs: { type: 'layers', diff_ids: ['sha256:a', 'sha256:a'] },
    };
    const saved = await packTar([
      { name: 'c.json', body: JSON.stringify(config) },
      { name: 'aaa/layer.tar', body: layer },
      { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      {
        name: 'manifest.json',
        body: JSON.stringify([{ Config: 'c.json', Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]),
      },
    ]);
    const image = await read(saved);
    expect(image.layers.map((l) => l.path)).toEqual(['aaa/layer.tar', 'bbb/layer.tar']);
    expect(image.finalFiles).toMatchObject([{ path: 'usr/bin/make', layerIndex: 1 }]);
  });

  test('bad input: clear errors, no stack-trace noise', async () => {
    await expect(read(await packTar([{ name: 'hello.txt', body: 'hi' }]))).rejects.toThrow(
      new SavedImageError('the saved image has neither manifest.json nor index.json'),
    );
    await expect(read(Buffer.from('not a tar at all'.repeat(100)))).rejects.toThrow(SavedImageError);
    const missing = await packTar([
      { name: 'c.json', body: '{}' },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', Layers: ['x/layer.tar'] }]) },
    ]);
    await expect(read(missing)).rejects.toThrow(/layer x\/layer.tar listed in the manifest is missing/);
    const zstd = await packTar([
      { name: 'blobs/sha256/aa', body: Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]) },
      { name: 'blobs/sha256/cc', body: '{"rootfs":{"diff_ids":["sha256:1"]}}' },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'blobs/sha256/cc', Layers: ['blobs/sha256/aa'] }]) },
    ]);
    await expect(read(zstd)).rejects.toThrow(
      new SavedImageError('layer blobs/sha256/aa: cannot decompress (zstd): unexpected end of file'),
    );
    const saved = await legacySave(story);
    await expect(read(saved.subarray(0, saved.length - 3000))).rejects.toThrow(SavedImageError);
  });
});

describe('normalisePath', () => {
  test.each([
    ['./usr/bin/gcc', 'usr/bin/gcc'],
    ['/usr/bin/', 'usr/bin'],
    ['usr//bin/./gcc', 'usr/bin/gcc'],
    ['.', ''],
    ['./', ''],
  ])('%s → %s', (input, expected) => expect(normalisePath(input)).toBe(expected));
});
