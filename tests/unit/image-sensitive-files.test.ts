// Image proofs DA-IMG-005..007 on saved images built in memory: passwordless sudo from the sudoers files, secret files
// and unusual setuid programs in the final filesystem, each blamed on the Dockerfile line whose layer added it.
import { findStage, parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { readSavedImage } from '../../src/check/image/saved-image.js';
import { isSecretFilePath } from '../../src/check/image/sensitive-files.js';
import { passwordlessLines } from '../../src/check/image/sudoers.js';
import { proofReadOptions, proveImage } from '../../src/check/image/verify-image.js';
import { legacySave, ociSave, type Spec, streamOf } from './saved-image-helpers.js';

const DOCKERFILE = `FROM python:3.12-slim AS builder
RUN pip wheel -w /wheels .
FROM python:3.12-slim AS runner
RUN apt-get install -y sudo && echo "app ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/app
COPY . /app
USER app
`;
const parsed = parseDockerfile(DOCKERFILE);
const HISTORY = [
  { created_by: '/bin/sh -c #(nop) ADD file:0f3a in / ' },
  { created_by: 'RUN /bin/sh -c apt-get install -y sudo && echo ... # buildkit' },
  { created_by: 'COPY . /app # buildkit' },
  { created_by: 'USER app', empty_layer: true },
];

/** A Debian-like base: accounts, a commented sudoers, the usual setuid programs. */
const BASE: Spec[] = [
  { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n', mode: 0o644 },
  { name: 'etc/group', body: 'root:x:0:\napp:x:1000:\n', mode: 0o644 },
  {
    name: 'etc/sudoers',
    body: 'root ALL=(ALL:ALL) ALL\n# %sudo ALL=(ALL) NOPASSWD: ALL\n@includedir /etc/sudoers.d\n',
    mode: 0o440,
  },
  { name: 'usr/bin/passwd', body: 'elf', mode: 0o4755 },
  { name: 'usr/bin/su', body: 'elf', mode: 0o4755 },
  { name: 'usr/bin/chage', body: 'elf', mode: 0o2755 },
  { name: 'etc/ssl/certs/ca-certificates.crt', body: 'cert', mode: 0o644 },
];
const SUDO_LAYER: Spec[] = [
  { name: 'usr/bin/sudo', body: 'elf', mode: 0o4755 },
  { name: 'etc/sudoers.d/README', body: '# files here are read by sudo\n', mode: 0o440 },
  { name: 'etc/sudoers.d/app', body: 'app ALL=(ALL) \\\n  NOPASSWD: ALL\n', mode: 0o440 },
  { name: 'etc/sudoers.d/app.disabled', body: 'app ALL=(ALL) NOPASSWD: ALL\n', mode: 0o440 },
];
/** What `COPY . /app` takes from a context without a .dockerignore. */
const APP_LAYER: Spec[] = [
  { name: 'app/main.py', body: 'print()', mode: 0o644 },
  { name: 'app/.env', body: 'DB_PASSWORD=dev', mode: 0o644 },
  { name: 'app/.env.example', body: 'DB_PASSWORD=', mode: 0o644 },
  { name: 'app/secrets/db_password.txt', body: 'hunter2', mode: 0o644 },
  { name: 'app/certs/server.key', body: 'key', mode: 0o600 },
  { name: 'app/id_rsa.pub', body: 'ssh-rsa', mode: 0o644 },
  { name: 'app/deploy/credentials.json', body: '{}', mode: 0o644 },
  { name: 'app/.venv/lib/python3.12/site-packages/certifi/cacert.pem', body: 'ca', mode: 0o644 },
  { name: 'app/bin/helper', body: 'elf', mode: 0o6755 },
];

async function prove(layers: Spec[][], oci = false) {
  const spec = { layers, history: HISTORY, user: 'app' };
  const saved = oci ? await ociSave(spec, true) : await legacySave(spec);
  const request = {
    imageId: 'sha256:test',
    parsed,
    target: findStage(parsed, undefined)!,
    dockerfileLabel: 'deploy/Dockerfile',
    forbiddenTools: [],
    allowedTools: [],
  };
  const image = await readSavedImage(streamOf(saved), proofReadOptions(request));
  return proveImage(image, request).findings;
}
const byRule = (findings: Awaited<ReturnType<typeof prove>>, id: string) => findings.filter((f) => f.ruleId === id);

describe('DA-IMG-005 passwordless-sudo', () => {
  test('catches a NOPASSWD rule in /etc/sudoers.d, on the RUN that wrote it', async () => {
    const found = byRule(await prove([BASE, SUDO_LAYER, APP_LAYER]), 'DA-IMG-005');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', location: { file: 'deploy/Dockerfile', line: 4 } });
    expect(found[0]!.message).toBe(
      '/etc/sudoers.d/app (line 1) lets a user run sudo without a password; written by RUN at line 4.',
    );
  });
  test('catches one in /etc/sudoers that a symlink leads to, in the OCI layout too', async () => {
    const linked: Spec[] = [
      { name: 'opt/sudo/sudoers', body: 'root ALL=(ALL) ALL\n%app ALL=(ALL) NOPASSWD:ALL\n', mode: 0o440 },
      { name: 'etc/sudoers', type: 'symlink', linkname: '../opt/sudo/sudoers' },
      { name: 'opt/sudo/sudoers-', body: 'x', mode: 0o440 },
    ];
    const found = byRule(await prove([BASE, [], [...APP_LAYER, ...linked]], true), 'DA-IMG-005');
    expect(found.map((f) => [f.location?.line, f.message])).toEqual([
      [5, '/etc/sudoers (line 2) lets a user run sudo without a password; written by COPY at line 5.'],
    ]);
  });
  test('does not catch comments, files sudo skips (a `.` in the name) or a grant a later layer deleted', async () => {
    expect(passwordlessLines('# app ALL=(ALL) NOPASSWD: ALL\nroot ALL=(ALL) ALL\n')).toEqual([]);
    const gone: Spec[] = [...APP_LAYER, { name: 'etc/sudoers.d/.wh.app', body: '', mode: 0o644 }];
    expect(byRule(await prove([BASE, SUDO_LAYER, gone]), 'DA-IMG-005')).toEqual([]);
  });
});

describe('DA-IMG-006 secret-file-baked-in', () => {
  test('catches .env, secrets/**, *.key and credentials.json, grouped on the COPY that added them', async () => {
    const found = byRule(await prove([BASE, SUDO_LAYER, APP_LAYER]), 'DA-IMG-006');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', location: { line: 5 } });
    expect(found[0]!.message).toBe(
      'Secret-looking files in the runtime image, added by COPY at line 5: /app/.env, /app/certs/server.key, /app/deploy/credentials.json, /app/secrets/db_password.txt.',
    );
    expect(found[0]!.message).not.toContain('hunter2');
  });
  test('does not catch a file a later layer whited out, templates, public keys, CA bundles or certifi', async () => {
    const cleanup: Spec[] = [
      { name: 'app/.wh..env', body: '', mode: 0o644 },
      { name: 'app/.wh.secrets', body: '', mode: 0o644 },
      { name: 'app/certs/.wh.server.key', body: '', mode: 0o644 },
      { name: 'app/deploy/.wh.credentials.json', body: '', mode: 0o644 },
    ];
    const history = [...HISTORY.slice(0, 3), { created_by: 'RUN /bin/sh -c rm -rf ... # buildkit' }, HISTORY[3]!];
    const spec = { layers: [BASE, SUDO_LAYER, APP_LAYER, cleanup], history, user: 'app' };
    const stage = parseDockerfile(DOCKERFILE.replace('USER app', 'RUN rm -rf /app/.env\nUSER app'));
    const request = {
      imageId: 'x',
      parsed: stage,
      target: findStage(stage, undefined)!,
      dockerfileLabel: 'Dockerfile',
      forbiddenTools: [],
      allowedTools: [],
    };
    const image = await readSavedImage(streamOf(await legacySave(spec)), proofReadOptions(request));
    expect(proveImage(image, request).findings.filter((f) => f.ruleId === 'DA-IMG-006')).toEqual([]);
    expect(
      [
        '.env.example',
        'id_rsa.pub',
        'etc/ssl/certs/x.pem',
        'venv/lib/python3.12/site-packages/certifi/cacert.pem',
        'usr/local/lib/python3.12/test/keycert.pem',
      ].map(isSecretFilePath),
    ).toEqual([false, false, false, false, false]);
    expect(['srv/.env.production', 'home/app/.ssh/id_ed25519', 'run/secrets/token'].map(isSecretFilePath)).toEqual([
      true,
      true,
      true,
    ]);
  });
});

describe('DA-IMG-007 setuid-file', () => {
  test('catches setuid/setgid files beyond the usual set, as a warning on the layer that added them', async () => {
    const found = byRule(await prove([BASE, SUDO_LAYER, APP_LAYER]), 'DA-IMG-007');
    expect(found.map((f) => [f.severity, f.location?.line, f.message])).toEqual([
      [
        'warning',
        4,
        'Setuid/setgid files in the runtime image, added by RUN at line 4: /usr/bin/sudo (setuid uid 0, mode 4755).',
      ],
      [
        'warning',
        5,
        'Setuid/setgid files in the runtime image, added by COPY at line 5: /app/bin/helper (setuid uid 0, setgid gid 0, mode 6755).',
      ],
    ]);
  });
  test('does not catch passwd, su and chage of the base image, nor a program whose bit a later layer cleared', async () => {
    const cleared: Spec[] = [
      ...APP_LAYER.filter((s) => s.name !== 'app/bin/helper'),
      { name: 'usr/bin/sudo', body: 'elf', mode: 0o755 },
    ];
    expect(byRule(await prove([BASE, SUDO_LAYER, cleared]), 'DA-IMG-007')).toEqual([]);
  });
});
