import { parseGroup, parsePasswd, resolveUser } from '../../src/check/image/accounts.js';
import { buildToolMatcher, DEFAULT_BUILD_TOOLS, inBinDirectory } from '../../src/check/image/build-tools.js';
import { layerHistory } from '../../src/check/image/layer-provenance.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'toor:x:0:0:another root:/root:/bin/sh',
  '  ',
  'appuser:x:10001:10001::/home/appuser:/bin/sh',
  '1234:x:555:555::/:/bin/sh',
  'broken:x:notanumber:7::/:/bin/sh',
].join('\n');
const GROUP = ['root:x:0:', '# a comment', 'staff:x:50:appuser,daemon', 'appuser:x:10001:', 'web:x:33:appuser'].join(
  '\n',
);

describe('accounts', () => {
  test('parses passwd and group as runc does (blank lines skipped, # only a comment in group, bad ids read as 0)', () => {
    const users = parsePasswd(PASSWD);
    expect(users.map((u) => [u.name, u.uid, u.gid, u.line])).toEqual([
      ['root', 0, 0, 1],
      ['daemon', 1, 1, 2],
      ['toor', 0, 0, 3],
      ['appuser', 10001, 10001, 5],
      ['1234', 555, 555, 6],
      ['broken', 0, 7, 7],
    ]);
    expect(parseGroup(GROUP).map((g) => [g.name, g.gid, g.members])).toEqual([
      ['root', 0, []],
      ['staff', 50, ['appuser', 'daemon']],
      ['appuser', 10001, []],
      ['web', 33, ['appuser']],
    ]);
  });

  test.each([
    ['', { uid: 0, gid: 0, name: 'root' }],
    ['appuser', { uid: 10001, gid: 10001, name: 'appuser', supplementaryGids: [50, 33] }],
    ['10001', { uid: 10001, gid: 10001, name: 'appuser' }],
    ['toor', { uid: 0, gid: 0, name: 'toor' }],
    ['appuser:staff', { uid: 10001, gid: 50, name: 'appuser', supplementaryGids: [] }],
    ['appuser:33', { uid: 10001, gid: 33, name: 'appuser' }],
    ['10001:web', { uid: 10001, gid: 33, name: 'appuser' }],
    ['65532', { uid: 65532, gid: 0 }],
    ['65532:65532', { uid: 65532, gid: 65532 }],
    ['1234', { uid: 1234, gid: 0 }], // numeric is always a uid, never the account named "1234"
    ['appuser:4242', { uid: 10001, gid: 4242, name: 'appuser' }],
  ])('User %p resolves like runc', (spec, expected) => {
    const r = resolveUser(spec, PASSWD, GROUP);
    expect(r).toMatchObject({ ok: true, ...expected });
    if (!('name' in expected)) expect(r).not.toHaveProperty('name');
  });

  test('errors: unknown name, unknown group name, out of range; a missing passwd only matters for names', () => {
    expect(resolveUser('nobody', PASSWD, GROUP)).toEqual({
      ok: false,
      error: 'unable to find user nobody: no matching entries in /etc/passwd',
    });
    expect(resolveUser('appuser:nogroup', PASSWD, GROUP)).toMatchObject({
      ok: false,
      error: expect.stringContaining('group nogroup'),
    });
    expect(resolveUser('-1', PASSWD, GROUP)).toMatchObject({
      ok: false,
      error: expect.stringContaining('out of range'),
    });
    expect(resolveUser('2147483648', PASSWD, GROUP)).toMatchObject({ ok: false });
    expect(resolveUser('appuser', undefined, undefined)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no /etc/passwd'),
    });
    expect(resolveUser('65532', undefined, undefined)).toEqual({ ok: true, uid: 65532, gid: 0, supplementaryGids: [] });
    expect(resolveUser('', undefined, undefined)).toEqual({ ok: true, uid: 0, gid: 0, supplementaryGids: [] });
    expect(resolveUser('65532:app', undefined, undefined)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no /etc/group'),
    });
  });
});

describe('build-tool matcher', () => {
  const m = buildToolMatcher();

  test.each([
    ['usr/bin/gcc', 'gcc'],
    ['usr/bin/gcc-12', 'gcc'],
    ['usr/bin/x86_64-linux-gnu-gcc-12', 'gcc'],
    ['usr/bin/aarch64-linux-gnu-g++', 'g++'],
    ['usr/bin/clang-14', 'clang'],
    ['usr/bin/clang++-14', 'clang++'],
    ['usr/bin/cc', 'cc'],
    ['usr/bin/c++', 'c++'],
    ['usr/bin/ld', 'ld'],
    ['usr/bin/ld.gold', 'ld'],
    ['usr/bin/x86_64-linux-gnu-ld.bfd', 'ld'],
    ['usr/bin/x86_64-linux-gnu-as', 'as'],
    ['usr/bin/make', 'make'],
    ['usr/local/bin/cmake', 'cmake'],
    ['usr/bin/ninja', 'ninja'],
    ['usr/local/bin/meson', 'meson'],
    ['bin/uv', 'uv'],
    ['usr/local/bin/uvx', 'uvx'],
    ['app/.venv/bin/poetry', 'poetry'],
    ['root/.local/bin/pdm', 'pdm'],
    ['root/.cargo/bin/rustc', 'rustc'],
    ['root/.cargo/bin/cargo', 'cargo'],
    ['usr/local/go/bin/go', 'go'],
    ['opt/toolchain/x/bin/gcc', 'gcc'],
    ['usr/bin/git', 'git'],
    ['sbin/make', 'make'],
  ])('%s is a build tool (%s)', (path, name) => {
    expect(m.toolName(path)).toBe(name);
    expect(m.isInteresting(path)).toBe(true);
  });

  test.each([
    'usr/include/python3.12/Python.h',
    'usr/local/bin/python3-config',
    'usr/local/bin/pip',
    'usr/local/bin/pip3.12',
    'usr/bin/python3',
    'usr/lib/gcc/x86_64-linux-gnu/12/cc1', // not in a bin directory
    'usr/share/doc/git/README',
    'usr/bin/gcc-ar-12',
    'usr/bin/git-upload-pack',
    'usr/bin/foo-bar-as', // not a target triplet
    'usr/bin/makeinfo',
    'usr/bin/uvicorn',
  ])('%s is not a build tool', (path) => {
    expect(m.toolName(path)).toBeUndefined();
    expect(m.isInteresting(path)).toBe(false);
  });

  test.each(['gcc', 'etc/bin.d/gcc'])(
    '%s has a tool name but no bin dir: kept for the PATH scan, not a tool by itself',
    (path) => {
      expect(m.toolName(path)).toBeUndefined();
      expect(m.toolNameAnywhere(path)).toBe('gcc');
      expect(m.isInteresting(path)).toBe(true);
    },
  );

  test('forbidden-tools extends with names and globs; allowed-tools trims by name or base name', () => {
    const custom = buildToolMatcher({
      extra: ['tcc*', 'nasm', 'usr/local/bin/special'],
      allowed: ['git', 'x86_64-linux-gnu-gcc-12'],
    });
    expect(custom.toolName('usr/bin/tcc')).toBe('tcc*');
    expect(custom.toolName('usr/bin/tcc-0.9')).toBe('tcc*');
    expect(custom.toolName('usr/bin/nasm')).toBe('nasm');
    expect(custom.toolName('usr/bin/nasm-2.16')).toBe('nasm');
    expect(custom.toolName('usr/local/bin/special')).toBe('usr/local/bin/special');
    expect(custom.toolName('usr/bin/special')).toBeUndefined();
    expect(custom.toolName('usr/bin/git')).toBeUndefined();
    expect(custom.toolName('usr/bin/x86_64-linux-gnu-gcc-12')).toBeUndefined();
    expect(custom.toolName('usr/bin/gcc-12')).toBe('gcc');
    expect(buildToolMatcher({ allowed: ['g*'] }).toolName('usr/bin/gcc')).toBeUndefined();
    expect(buildToolMatcher({ allowed: ['g*'] }).toolName('usr/bin/make')).toBe('make');
  });

  test('bin-like directories and the catalog as data', () => {
    expect(inBinDirectory('usr/bin/x')).toBe(true);
    expect(inBinDirectory('bin/x')).toBe(true);
    expect(inBinDirectory('app/.venv/bin/x')).toBe(true);
    expect(inBinDirectory('usr/bin/sub/x')).toBe(false);
    expect(inBinDirectory('usr/binaries/x')).toBe(false);
    expect(DEFAULT_BUILD_TOOLS.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'gcc',
        'g++',
        'cc',
        'c++',
        'clang',
        'clang++',
        'ld',
        'as',
        'make',
        'cmake',
        'ninja',
        'meson',
        'uv',
        'uvx',
        'poetry',
        'pdm',
        'rustc',
        'cargo',
        'go',
        'git',
      ]),
    );
  });
});

describe('layerHistory', () => {
  test('skips empty_layer entries and pairs the rest with layers in order', () => {
    const history = [
      { created_by: '/bin/sh -c #(nop) ADD file:abc in /' },
      { created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
      { created_by: 'ENV PATH=/x', empty_layer: true },
      { created_by: 'RUN /bin/sh -c apt-get install -y gcc # buildkit' },
      { created_by: 'USER appuser', empty_layer: true },
      { created_by: 'COPY /app /app # buildkit' },
    ];
    expect(layerHistory({ history, rootfs: { diff_ids: ['a', 'b', 'c'] } })).toEqual([
      { layerIndex: 0, historyIndex: 0, createdBy: '/bin/sh -c #(nop) ADD file:abc in /' },
      { layerIndex: 1, historyIndex: 3, createdBy: 'RUN /bin/sh -c apt-get install -y gcc # buildkit' },
      { layerIndex: 2, historyIndex: 5, createdBy: 'COPY /app /app # buildkit' },
    ]);
  });

  test('more history than layers, or none at all', () => {
    expect(
      layerHistory({ history: [{ created_by: 'a' }, { created_by: 'b' }], rootfs: { diff_ids: ['x'] } }),
    ).toHaveLength(1);
    expect(layerHistory({ rootfs: { diff_ids: ['x'] } })).toEqual([]);
    expect(layerHistory({ history: [{}], rootfs: null })).toEqual([{ layerIndex: 0, historyIndex: 0, createdBy: '' }]);
  });
});
