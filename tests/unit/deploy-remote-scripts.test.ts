/**
 * Every remote script, run for real by /bin/sh (dash here) under a hostile deploy path, with `docker` a shim on PATH
 * that records its argv (NUL-separated, one file per call) and answers the few questions the scripts ask.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDeployPathReport, readPruneScene, releasesToPrune } from '../../src/deploy/release/release.js';
import { frame, parseRecords, remoteJoin, tempSuffix, type RemoteScript } from '../../src/deploy/remote/script.js';
import {
  composeDownScript,
  composeLogsScript,
  composePsScript,
  composeUpScript,
  healthProbeScript,
} from '../../src/deploy/remote/scripts/compose.js';
import {
  imageLoadScript,
  imageProbeScript,
  registryPullScript,
  tagImageScript,
} from '../../src/deploy/remote/scripts/image.js';
import { composePreflightScript, MANIFEST, swarmPreflightScript } from '../../src/deploy/remote/scripts/preflight.js';
import {
  createReleaseScript,
  listReleasesScript,
  removeCurrentScript,
  removeReleasesScript,
  STAGING_MARKER,
  switchCurrentScript,
} from '../../src/deploy/remote/scripts/release.js';
import {
  secretCreateScript,
  secretListScript,
  secretRemoveScript,
  serviceLogsScript,
  serviceRollbackScript,
  stackDeployScript,
  stackRemoveScript,
  stackStateScript,
} from '../../src/deploy/remote/scripts/swarm.js';
import {
  ENGINE_MOUNT,
  UPLOAD_EXIT,
  secretTempName,
  writeFileScript,
  writeSecretScript,
} from '../../src/deploy/remote/scripts/upload.js';
import { openSecretStoreScript, pruneSecretStoreScript } from '../../src/deploy/remote/scripts/secret-store.js';
import { SECRET_STORE, parseStoreKey } from '../../src/deploy/release/secret-store.js';
import { secretTar } from '../../src/deploy/targets/compose-secrets.js';
import { bindMount, raw, sh } from '../../src/deploy/remote/sh.js';
import { readSwarmPreflight } from '../../src/deploy/swarm-state.js';

/** Spaces, both quotes, `$`, a backtick, a leading `-`, `:` and `,` (deploy-path refuses newlines and backslashes). */
const HOSTILE = '-it\'s "a" $HOME `id` x:y,z';

let tmp: string;
let deployPath: string;
let calls: string;
let bin: string;
/** Where the shim's `docker cp` extracts (the bind mount's source). */
let cpDest: string;
beforeEach(() => {
  cpDest = os.tmpdir();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-scripts-'));
  deployPath = path.join(tmp, HOSTILE, 'srv');
  calls = path.join(tmp, 'calls');
  bin = path.join(tmp, 'bin');
  mkdirSync(calls);
  mkdirSync(bin);
  // The shim: record argv, then answer what the scripts ask (stdin is drained so pipes into it end).
  writeFileSync(
    path.join(bin, 'docker'),
    [
      '#!/bin/sh',
      'n=$(ls "$CALLS" | wc -l); f="$CALLS/$(printf %04d "$n")"; : >"$f"',
      'for a in "$@"; do printf "%s\\0" "$a" >>"$f"; done',
      'case "$1 $2" in',
      '  "version --format") printf "20.10.0\\n";;',
      '  "info --format") printf "active true 1\\n";;',
      '  "stack deploy") case "$*" in *--help*) printf "  --detach\\n";; esac;;',
      '  "secret create") cat >"$f.stdin"; printf "id\\n";;',
      '  "secret ls") printf "st_a_1\\nst_b_2\\n";;',
      '  "image inspect") printf "sha256:abc\\n";;',
      '  "create --network") printf "cid123\\n";;',
      '  "cp -") tar -xpf - -C "$CP_DEST";;',
      '  "load "|"login --username") cat >"$f.stdin";;',
      'esac',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'docker'), 0o755);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function run(s: RemoteScript, stdin: Buffer = Buffer.alloc(0)) {
  const r = spawnSync('/bin/sh', ['-c', s.text], {
    input: stdin,
    cwd: tmp,
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls, HOME: '/nonexistent', CP_DEST: cpDest },
  });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
const ok = (s: RemoteScript, stdin?: Buffer) => {
  const r = run(s, stdin);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return r;
};
/** The argv of each docker call, in order. */
const dockerCalls = (): string[][] =>
  readdirSync(calls)
    .filter((f) => !f.endsWith('.stdin'))
    .sort()
    .map((f) => readFileSync(path.join(calls, f), 'utf8').split('\0').slice(0, -1));

test('sh quotes every interpolation, arrays as word lists; raw and fragments go in as written', () => {
  const words = ['a b', "it's", '$x', '`y`', '-n', 'new\nline'];
  const r = spawnSync('/bin/sh', ['-c', sh`printf '%s\\0' ${words} ${raw('"$0"')}`.toString(), 'zero']);
  expect(r.stdout.toString().split('\0').slice(0, -1)).toEqual([...words, 'zero']);
  expect(sh`a ${sh`b ${'c d'}`} ${7}`.toString()).toBe("a b 'c d' 7");
  expect(() => sh`sleep ${1.5}`).toThrow(/not an integer/);
  expect(tempSuffix()).toMatch(/^[0-9a-f]{16}$/);
  expect(tempSuffix()).not.toBe(tempSuffix());
});

test('preflight: the path goes back framed and exact; the live release and its manifest are read', () => {
  const first = ok(composePreflightScript(deployPath));
  const report = readDeployPathReport(parseRecords(first.stdout), deployPath);
  expect(report).toEqual({ path: deployPath });
  // A live release, with a manifest holding a backslash and a newline: read back byte for byte.
  const manifest = {
    version: '1.0.0',
    project: 'doongzi',
    composeFiles: ['deploy/docker-compose.yml'],
    image: 'repo/app:1.0.0 sha256:abc',
    deployedAt: '2026-01-01T00:00:00.000Z',
  };
  const text = JSON.stringify({ ...manifest, note: 'a\\nb\nc' }, null, 2);
  mkdirSync(path.join(deployPath, 'releases/1.0.0'));
  writeFileSync(path.join(deployPath, 'releases/1.0.0', MANIFEST), text);
  ok(switchCurrentScript(deployPath, '1.0.0', 'switch current'));
  const records = parseRecords(ok(composePreflightScript(deployPath)).stdout);
  expect(records.get('manifest')).toEqual([text]);
  const again = readDeployPathReport(records, deployPath);
  expect(again.live).toEqual({ dir: '1.0.0', manifest });
  expect(dockerCalls()).toEqual([
    ['version', '--format', '{{.Server.Version}}'],
    ['compose', 'version'],
    ['version', '--format', '{{.Server.Version}}'],
    ['compose', 'version'],
  ]);
  // A path that does not come back as sent stops the deploy.
  expect(() => readDeployPathReport(parseRecords(first.stdout), `${deployPath}x`)).toThrow(
    /the host received deploy-path/,
  );
  expect(() => readDeployPathReport(parseRecords(`requested=${deployPath}\0path=rel\0`), deployPath)).toThrow(
    /not a usable absolute path/,
  );
  // A symlinked deploy-path is reported resolved.
  const link = path.join(tmp, 'link');
  spawnSync('ln', ['-s', deployPath, link]);
  expect(readDeployPathReport(parseRecords(ok(composePreflightScript(link)).stdout), link).path).toBe(deployPath);
});

test('preflight: an unusable deploy-path exits with its code and names the path as it is', () => {
  // `releases` a file: no user, root included, can make the directory.
  mkdirSync(deployPath, { recursive: true });
  writeFileSync(path.join(deployPath, 'releases'), '');
  const s = composePreflightScript(deployPath);
  const r = run(s);
  expect(r.code).toBe(s.exits.notWritable);
  expect(r.stderr).toBe(
    `deploy-path ${deployPath} is not writable by ${os.userInfo().username}: create it and chown it to that user\n`,
  );
});

test('swarm preflight: manager, detach flag, services and secrets, framed', () => {
  const s = swarmPreflightScript(deployPath, "st'x");
  const pre = readSwarmPreflight(parseRecords(ok(s).stdout), deployPath);
  expect(pre).toMatchObject({
    path: deployPath,
    state: 'active',
    manager: true,
    nodes: 1,
    detachFlag: true,
    secrets: ['st_a_1', 'st_b_2'],
  });
  expect(dockerCalls()).toContainEqual(['service', 'ls', '-q', '--filter', "label=com.docker.stack.namespace=st'x"]);
  expect(dockerCalls()).toContainEqual([
    'secret',
    'ls',
    '--filter',
    "label=com.doongzi.deploy-action.stack=st'x",
    '--format',
    '{{.Name}}',
  ]);
});

test('release directories: created (never the live one), switched atomically, listed, pruned to exactly keep', () => {
  mkdirSync(path.join(deployPath, 'releases'), { recursive: true });
  const names = ['1.0.0', '-1.1.0', "1.2.0 it's", '1.3.0'];
  names.forEach((n, i) => {
    ok(createReleaseScript(deployPath, n));
    utimesSync(path.join(deployPath, 'releases', n), 1000 + i, 1000 + i);
  });
  ok(switchCurrentScript(deployPath, '1.3.0', 'switch current'));
  expect(readlinkSync(path.join(deployPath, 'current'))).toBe('releases/1.3.0');
  const live = run(createReleaseScript(deployPath, '1.3.0'));
  expect(live.code).toBe(20);
  expect(live.stderr).toContain('releases/1.3.0 is live');
  const old = (n: string, i: number) => {
    for (const p of [path.join(deployPath, 'releases', n, STAGING_MARKER), path.join(deployPath, 'releases', n)]) {
      if (existsSync(p)) utimesSync(p, 1000 + i, 1000 + i);
    }
  };
  names.forEach(old);
  // The switch removed 1.3.0's staging marker; the others keep theirs (an hour old, by their mtime).
  expect(existsSync(path.join(deployPath, 'releases/1.3.0', STAGING_MARKER))).toBe(false);
  const scene = readPruneScene(parseRecords(ok(listReleasesScript(deployPath)).stdout));
  expect(scene.entries.map((e) => e.name).sort()).toEqual([...names].sort());
  expect([...scene.staging.keys()].sort()).toEqual(['-1.1.0', '1.0.0', "1.2.0 it's"]);
  expect(scene.hostCurrent).toBe('1.3.0');
  expect(Math.abs(scene.now - Date.now() / 1000)).toBeLessThan(5);
  const drop = releasesToPrune(scene, 2, '1.3.0', 60_000);
  expect(drop.sort()).toEqual(['-1.1.0', '1.0.0']);
  ok(removeReleasesScript(deployPath, drop, 'prune releases'));
  expect(readdirSync(path.join(deployPath, 'releases')).sort()).toEqual(["1.2.0 it's", '1.3.0']);
  expect(() => removeReleasesScript(deployPath, ['../x'], 'x')).toThrow(/not a release name/);
  ok(removeCurrentScript(deployPath));
  expect(readdirSync(deployPath)).toEqual(['releases']);
});

test('a failed switch of current leaves no .current.tmp-* behind', () => {
  mkdirSync(path.join(deployPath, 'current', 'x'), { recursive: true }); // a directory: mv -T cannot replace it
  const r = run(switchCurrentScript(deployPath, '1.0.0', 'switch current'));
  expect(r.code).not.toBe(0);
  expect(readdirSync(deployPath)).toEqual(['current']);
});

test('files and secrets: atomic, 0400 and owned by either route, a cut upload leaves nothing; the mount is CSV-quoted', async () => {
  const rel = remoteJoin(deployPath, 'releases', '1.0.0');
  const file = path.join(rel, 'deploy/docker-compose.yml');
  ok(writeFileScript(file, '0644', 'upload'), frame(Buffer.from('services: {}\n')));
  expect(readFileSync(file, 'utf8')).toBe('services: {}\n');
  expect((statSync(file).mode & 0o777).toString(8)).toBe('644');
  // Root here: chown works, and the shim's `docker cp` (GNU tar as root) keeps the header's owner and mode as dockerd does.
  const uid = 10001;
  const gid = 10002;
  const store = path.join(deployPath, SECRET_STORE);
  cpDest = store;
  const value = Buffer.from('pa$$ \\n word\n\u0001end');
  const other = Buffer.from('second');
  for (const route of ['chown', 'engine'] as const) {
    // The engine route writes all of a deploy's files through one container.
    const fileNames = route === 'chown' ? ['db.chown'] : ['db.engine', 'other.engine'];
    const w = { dir: store, fileNames, uid, gid, route, image: 'repo/app:1', label: 'secret', suffix: 'abc' };
    const s = writeSecretScript(w);
    expect(s.text).not.toContain('pa$$');
    const entries = fileNames.map((f, i) => ({ name: secretTempName(f, 'abc'), value: i === 0 ? value : other }));
    ok(s, frame(route === 'chown' ? value : await secretTar(entries, { uid, gid })));
    for (const [i, f] of fileNames.entries()) {
      const st = statSync(path.join(store, f));
      expect(readFileSync(path.join(store, f))).toEqual(i === 0 ? value : other);
      expect([(st.mode & 0o777).toString(8), st.uid, st.gid]).toEqual(['400', uid, gid]);
    }
    expect((statSync(store).mode & 0o777).toString(8)).toBe('700');
  }
  expect(readdirSync(store).sort()).toEqual(['db.chown', 'db.engine', 'other.engine']);
  expect(() =>
    writeSecretScript({
      dir: store,
      fileNames: ['a', 'b'],
      uid,
      gid,
      route: 'chown',
      image: 'i',
      label: 'x',
      suffix: 's',
    }),
  ).toThrow(/2 files for the chown route/);
  const engine = dockerCalls();
  expect(engine.map((c) => c.slice(0, 2))).toEqual([
    ['create', '--network'],
    ['cp', '-'],
    ['rm', '-f'],
  ]);
  expect(engine[0]).toEqual([
    'create',
    '--network',
    'none',
    '--label',
    'deploy-action.secret-writer=1',
    '--entrypoint',
    '/deploy-action-never-started',
    '--mount',
    bindMount(store, ENGINE_MOUNT),
    '--',
    'repo/app:1',
  ]);
  expect(engine[1]).toEqual(['cp', '-', `cid123:${ENGINE_MOUNT}`]);
  expect(engine[2]).toEqual(['rm', '-f', '--', 'cid123']);
  // docker reads --mount as one CSV record: decoded, the source is the directory exactly.
  expect(csvRecord(engine[0]![8]!)).toEqual(['type=bind', `source=${store}`, `target=${ENGINE_MOUNT}`]);

  const full = frame(Buffer.from('0123456789abcdef'));
  const s = writeSecretScript({
    dir: store,
    fileNames: ['x'],
    uid,
    gid,
    route: 'chown',
    image: 'i',
    label: 'x',
    suffix: 's',
  });
  const cut = run(s, full.subarray(0, full.length - 5));
  expect([cut.code, cut.stderr]).toEqual([
    UPLOAD_EXIT.shortInput,
    'deploy-action: stdin ended after 11 of 16 bytes (connection cut?)\n',
  ]);
  expect(run(s).code).toBe(UPLOAD_EXIT.noLength);
  // The engine route with one entry of two owned otherwise: refused before any rename, temps and container removed.
  const e = {
    dir: store,
    fileNames: ['y', 'z'],
    uid,
    gid,
    route: 'engine' as const,
    image: 'i',
    label: 'y',
    suffix: 't',
  };
  const v = Buffer.from('v');
  const wrong = Buffer.concat([
    (await secretTar([{ name: secretTempName('y', 't'), value: v }], { uid, gid })).subarray(0, 1024),
    await secretTar([{ name: secretTempName('z', 't'), value: v }], { uid: uid + 1, gid }),
  ]);
  expect(run(writeSecretScript(e), frame(wrong)).code).toBe(UPLOAD_EXIT.ownerWrong);
  expect(dockerCalls().at(-1)).toEqual(['rm', '-f', '--', 'cid123']);
  // A tar that names no temp file (stdin cut before the entries): nothing renamed.
  expect(run(writeSecretScript(e), frame(Buffer.alloc(1024))).code).toBe(UPLOAD_EXIT.shortInput);
  expect(readdirSync(store).sort()).toEqual(['db.chown', 'db.engine', 'other.engine']);
});

test('secret store: the key made once (0600, 64 hex), the chown probe, stored files listed; prune keeps what a manifest names', () => {
  mkdirSync(path.join(deployPath, 'releases', '1.0.0'), { recursive: true });
  const owner = { uid: 10001, gid: 10001 };
  const first = parseRecords(ok(openSecretStoreScript(deployPath, owner)).stdout);
  const key = first.get('key')![0]!;
  expect(parseStoreKey(key)).toHaveLength(32);
  expect(first.get('chown')).toEqual(['yes']);
  const store = path.join(deployPath, SECRET_STORE);
  expect((statSync(path.join(store, 'key')).mode & 0o777).toString(8)).toBe('600');
  expect((statSync(store).mode & 0o777).toString(8)).toBe('700');
  const hash = 'a'.repeat(32);
  writeFileSync(path.join(store, `db.${hash}`), 'v', { mode: 0o400 });
  writeFileSync(path.join(store, `old.${hash}`), 'v', { mode: 0o400 });
  const again = parseRecords(ok(openSecretStoreScript(deployPath, owner)).stdout);
  expect(again.get('key')).toEqual([key]);
  expect(again.get('have')!.sort()).toEqual([`db.${hash} 0:0 400`, `old.${hash} 0:0 400`]);
  expect(readdirSync(store).sort()).toEqual([`db.${hash}`, 'key', `old.${hash}`]);
  writeFileSync(path.join(deployPath, 'releases', '1.0.0', MANIFEST), JSON.stringify({ secretFiles: [`db.${hash}`] }));
  ok(pruneSecretStoreScript(deployPath));
  expect(readdirSync(store).sort()).toEqual([`db.${hash}`, 'key']);
  expect(() => parseStoreKey('')).toThrow(/not 64 hex characters; remove it/);
});

/** Docker's reading of a --mount value (Go encoding/csv, one record). */
function csvRecord(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= s.length) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (s[i] === '"' && s[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (s[i] === '"') break;
        else field += s[i++];
      }
      i++;
    } else while (i < s.length && s[i] !== ',') field += s[i++];
    out.push(field);
    i++;
  }
  return out;
}

test('compose, image and swarm scripts hand docker every value as one argument', () => {
  const rel = remoteJoin(deployPath, 'releases', '1.0.0');
  mkdirSync(rel, { recursive: true });
  const files = ['deploy/a b.yml', '-x.yml'];
  ok(composeUpScript(rel, 'proj', files, 120));
  ok(composeDownScript(rel, 'proj', files));
  ok(composePsScript('proj'));
  ok(composeLogsScript('proj', '-svc', 20));
  ok(healthProbeScript('-c1'));
  ok(imageProbeScript('sha256:abc'));
  ok(tagImageScript('sha256:abc', ['r:1', "r:it's"]));
  ok(registryPullScript('reg.example:5000', "u'$x", ['reg/r:1', 'reg/r:2']), Buffer.from('pw'));
  ok(imageLoadScript(), Buffer.from('layers'));
  ok(secretCreateScript('st_db_1', { 'a.b': "v'$x" }), frame(Buffer.from('s3cret')));
  ok(
    stackDeployScript({
      releaseAbs: rel,
      stackFile: 'stack.yml',
      stack: 'st',
      timeoutSeconds: 60,
      detachFlag: true,
      registry: { server: 'reg', username: '-u' },
    }),
    Buffer.from('pw'),
  );
  ok(stackStateScript('st'));
  ok(serviceRollbackScript('st_app'));
  ok(serviceLogsScript('st_app', 20));
  expect(parseRecords(ok(secretListScript('st')).stdout).get('secret')).toEqual(['st_a_1', 'st_b_2']);
  ok(secretRemoveScript('st_a_1'));
  ok(stackRemoveScript('st'));
  const c = dockerCalls();
  expect(c).toEqual([
    [
      'compose',
      '-p',
      'proj',
      '-f',
      'deploy/a b.yml',
      '-f',
      '-x.yml',
      'up',
      '-d',
      '--wait',
      '--remove-orphans',
      '--no-build',
    ],
    ['compose', '-p', 'proj', '-f', 'deploy/a b.yml', '-f', '-x.yml', 'down', '--remove-orphans'],
    ['compose', '-p', 'proj', 'ps', '-a', '--format', 'json'],
    ['compose', '-p', 'proj', 'logs', '--no-color', '--no-log-prefix', '--tail', '20', '--', '-svc'],
    [
      'inspect',
      '--format',
      '{{if .State.Health}}{{range .State.Health.Log}}exit {{.ExitCode}}: {{.Output}}{{"\\n"}}{{end}}{{end}}',
      '--',
      '-c1',
    ],
    ['image', 'inspect', '--format', '{{.Id}}', '--', 'sha256:abc'],
    ['tag', 'sha256:abc', 'r:1'],
    ['tag', 'sha256:abc', "r:it's"],
    ['login', '--username', "u'$x", '--password-stdin', '--', 'reg.example:5000'],
    ['pull', '--', 'reg/r:1'],
    ['tag', 'reg/r:1', 'reg/r:2'],
    ['load'],
    ['secret', 'create', '--label', "a.b=v'$x", '--', 'st_db_1', '-'],
    ['login', '--username', '-u', '--password-stdin', '--', 'reg'],
    [
      'stack',
      'deploy',
      '--prune',
      '--resolve-image',
      'always',
      '--with-registry-auth',
      '--detach=true',
      '-c',
      'stack.yml',
      '--',
      'st',
    ],
    ['service', 'ls', '-q', '--filter', 'label=com.docker.stack.namespace=st'],
    ['service', 'rollback', '--detach', '--', 'st_app'],
    ['service', 'logs', '--no-task-ids', '--no-trunc', '--tail', '20', '--', 'st_app'],
    ['secret', 'ls', '--filter', 'label=com.doongzi.deploy-action.stack=st', '--format', '{{.Name}}'],
    ['secret', 'rm', '--', 'st_a_1'],
    ['stack', 'rm', '--', 'st'],
  ]);
  // Secret values and passwords only ever reach docker on stdin.
  const stdins = readdirSync(calls)
    .filter((f) => f.endsWith('.stdin'))
    .map((f) => readFileSync(path.join(calls, f), 'utf8'));
  expect(stdins).toEqual(['pw', 'layers', 's3cret', 'pw']);
  expect(JSON.stringify(c)).not.toMatch(/s3cret|"pw"/);
});

test('a secret cut short is removed again and exits with its code', () => {
  const full = frame(Buffer.from('0123456789'));
  const r = run(secretCreateScript('st_db_1', {}), full.subarray(0, full.length - 3));
  expect(r.code).toBe(91);
  expect(r.stderr).toContain('stdin ended after 7 of 10 bytes');
  expect(dockerCalls().at(-1)).toEqual(['secret', 'rm', '--', 'st_db_1']);
});
