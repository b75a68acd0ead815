// Prod rules on patterns from real repositories (limits, users, host access, authentication): what each catches
// and what it does not.
import { at, byRule, checkSeedWithExtra, cleanup } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function withExtra(extra: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const r = await checkSeedWithExtra(extra, files, env);
  dirs.push(r.dir);
  return r;
}

describe('DA-CMP-025 resource-limits: a limit that resolves to 0 is no limit', () => {
  const zeroLimits = `services:
  app:
    deploy:
      resources:
        limits:
          cpus: "\${WEB_CPUS:-0}"
          memory: "0"
  worker:
    image: org/worker:1.0
    cpus: 0.0
    mem_limit: 0b
    restart: unless-stopped
    healthcheck: { test: ["CMD", "true"] }
`;
  test('catches cpus "${WEB_CPUS:-0}", memory "0", cpus 0.0 and mem_limit 0b, each at its line', async () => {
    const f = byRule((await withExtra(zeroLimits)).findings, 'DA-CMP-025');
    expect(f.map(at)).toEqual([
      'deploy/extra.yml:6',
      'deploy/extra.yml:7',
      'deploy/extra.yml:10',
      'deploy/extra.yml:11',
    ]);
    expect(f[0]!.message).toContain('cpus: ${WEB_CPUS:-0} (= 0), which resolves to 0 = unlimited');
    expect(f[3]!.message).toMatch(/mem_limit: 0b.*0 = unlimited: it has no memory limit/);
  });
  test('does not catch a non-zero default or value ("${WEB_CPUS:-0.5}", 0.25, 512M)', async () => {
    const f = byRule(
      (
        await withExtra(
          zeroLimits
            .replace('${WEB_CPUS:-0}', '${WEB_CPUS:-0.5}')
            .replace('"0"', '512M')
            .replace('0.0', '0.25')
            .replace('0b', '10m'),
        )
      ).findings,
      'DA-CMP-025',
    );
    expect(f).toEqual([]);
  });
  test('does not catch the interpolated value when the environment sets it non-zero', async () => {
    const f = byRule((await withExtra(zeroLimits, {}, { WEB_CPUS: '2' })).findings, 'DA-CMP-025');
    expect(f.map(at)).not.toContain('deploy/extra.yml:6');
  });
});

describe('DA-CMP-045 root-group', () => {
  test('catches user "unit:root" and "1000:0", at the user line', async () => {
    const named = await withExtra('services:\n  app:\n    user: unit:root\n');
    expect(byRule(named.findings, 'DA-CMP-045').map(at)).toEqual(['deploy/extra.yml:3']);
    expect(byRule(named.findings, 'DA-CMP-045')[0]!.message).toContain('group root is the root group');
    const numeric = await withExtra('services:\n  app:\n    user: "1000:0"\n');
    expect(byRule(numeric.findings, 'DA-CMP-045').map(at)).toEqual(['deploy/extra.yml:3']);
    expect(byRule(numeric.findings, 'DA-CMP-037')).toEqual([]);
  });
  test('does not catch 1000:1000, a uid alone, or root:root (DA-CMP-037 reports that one)', async () => {
    for (const user of ['"1000:1000"', '"10001"', 'app:app']) {
      const r = await withExtra(`services:\n  app:\n    user: ${user}\n`);
      expect(byRule(r.findings, 'DA-CMP-045')).toEqual([]);
    }
    const root = await withExtra('services:\n  app:\n    user: root:root\n');
    expect(byRule(root.findings, 'DA-CMP-045')).toEqual([]);
    expect(byRule(root.findings, 'DA-CMP-037').map(at)).toEqual(['deploy/extra.yml:3']);
  });
});

/** A monitoring-agent-like service (the pattern of cadvisor / node-exporter stacks): host namespaces and devices. */
const hostAgent = `services:
  agent:
    image: org/agent:2.1.0
    ipc: host
    uts: host
    userns_mode: host
    cgroup: host
    security_opt:
      - seccomp:unconfined
      - apparmor=unconfined
      - label:disable
      - no-new-privileges:true
    cap_add: [SYS_PTRACE, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH, CAP_SYS_ADMIN, NET_BIND_SERVICE]
    devices:
      - /dev/kmsg:/dev/kmsg
      - source: /dev/fuse
        target: /dev/fuse
        permissions: rwm
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
`;
/** The same service confined: its own namespaces, default profiles, a narrow capability. */
const confinedAgent = `services:
  agent:
    image: org/agent:2.1.0
    ipc: private
    userns_mode: ""
    security_opt: [no-new-privileges:true, seccomp=./seccomp.json]
    cap_add: [NET_BIND_SERVICE]
`;

describe('DA-CMP-046 host-namespace', () => {
  test('catches ipc, uts, userns_mode and cgroup: host, each at its line', async () => {
    const f = byRule((await withExtra(hostAgent)).findings, 'DA-CMP-046');
    expect(f.map(at)).toEqual([4, 5, 6, 7].map((l) => `deploy/extra.yml:${l}`));
    expect(f[2]!.message).toContain('userns_mode: host');
  });
  test('does not catch ipc: private or an empty userns_mode', async () => {
    expect(byRule((await withExtra(confinedAgent)).findings, 'DA-CMP-046')).toEqual([]);
  });
});

describe('DA-CMP-047 unconfined', () => {
  test('catches seccomp:unconfined, apparmor=unconfined and label:disable', async () => {
    const f = byRule((await withExtra(hostAgent)).findings, 'DA-CMP-047');
    expect(f.map(at)).toEqual([9, 10, 11].map((l) => `deploy/extra.yml:${l}`));
    expect(f[0]!.message).toContain('switching off the seccomp filter');
  });
  test('does not catch no-new-privileges or a custom seccomp profile', async () => {
    expect(byRule((await withExtra(confinedAgent)).findings, 'DA-CMP-047')).toEqual([]);
  });
});

describe('DA-CMP-041 dangerous-capability, the wider list', () => {
  test('catches SYS_PTRACE, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH and CAP_SYS_ADMIN, not NET_BIND_SERVICE', async () => {
    const f = byRule((await withExtra(hostAgent)).findings, 'DA-CMP-041');
    expect(f.map((x) => x.message.match(/capability (\S+)/)?.[1])).toEqual([
      'SYS_PTRACE',
      'SYS_MODULE',
      'NET_ADMIN',
      'DAC_READ_SEARCH',
      'CAP_SYS_ADMIN',
    ]);
    expect(f.map(at)).toEqual(Array(5).fill('deploy/extra.yml:13'));
  });
  test('does not catch NET_BIND_SERVICE alone', async () => {
    expect(byRule((await withExtra(confinedAgent)).findings, 'DA-CMP-041')).toEqual([]);
  });
});

describe('DA-CMP-048 host-devices', () => {
  test('catches devices in short and long syntax, each at its entry', async () => {
    const f = byRule((await withExtra(hostAgent)).findings, 'DA-CMP-048');
    expect(f.map(at)).toEqual(['deploy/extra.yml:15', 'deploy/extra.yml:16']);
    expect(f.map((x) => x.message)).toEqual([
      expect.stringContaining('host device /dev/kmsg'),
      expect.stringContaining('host device /dev/fuse'),
    ]);
  });
  test('does not catch a service without devices', async () => {
    expect(byRule((await withExtra(confinedAgent)).findings, 'DA-CMP-048')).toEqual([]);
  });
});

describe('DA-CMP-021 docker-socket-mount, read-only', () => {
  test('catches a :ro socket mount and says it is still root on the host', async () => {
    const f = byRule((await withExtra(hostAgent)).findings, 'DA-CMP-021');
    expect(f.map(at)).toEqual(['deploy/extra.yml:20']);
    expect(f[0]!.message).toMatch(/read-only, which is still root on the host/);
  });
});

/** A database and its pooler as quick-start stacks write them: trust auth, empty root passwords. */
const openDatabases = `services:
  db:
    image: org/postgres-custom:16
    environment:
      POSTGRES_HOST_AUTH_METHOD: trust
  mysql:
    image: org/mysql-custom:8
    environment:
      - MYSQL_ALLOW_EMPTY_PASSWORD=yes
      - MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1
  cache:
    image: org/bitnami-like:7
    environment:
      ALLOW_EMPTY_PASSWORD: "yes"
  pooler:
    image: org/pgbouncer-custom:1.23
    env_file: ../pooler.env
`;
const poolerEnv = 'DB_HOST=db\nAUTH_TYPE=trust\n';
const closedDatabases = `services:
  db:
    image: org/postgres-custom:16
    environment:
      POSTGRES_HOST_AUTH_METHOD: scram-sha-256
      ALLOW_EMPTY_PASSWORD: "no"
  pooler:
    image: org/pgbouncer-custom:1.23
    env_file: ../pooler.env
`;

describe('DA-CMP-049 auth-disabled', () => {
  test('catches trust auth, empty-password switches and a pooler AUTH_TYPE=trust in an env file', async () => {
    const f = byRule((await withExtra(openDatabases, { 'pooler.env': poolerEnv })).findings, 'DA-CMP-049');
    expect(f.map(at)).toEqual([
      'deploy/extra.yml:5',
      'deploy/extra.yml:9',
      'deploy/extra.yml:10',
      'deploy/extra.yml:14',
      'pooler.env:2',
    ]);
    expect(f[0]!.message).toContain('POSTGRES_HOST_AUTH_METHOD=trust');
    expect(f[4]!.message).toMatch(/env file \.\.\/pooler\.env sets AUTH_TYPE=trust.*pooler/);
    expect(f.every((x) => x.severity === 'error')).toBe(true);
  });
  test('does not catch scram-sha-256, ALLOW_EMPTY_PASSWORD=no or AUTH_TYPE=scram-sha-256', async () => {
    const r = await withExtra(closedDatabases, { 'pooler.env': 'AUTH_TYPE=scram-sha-256\n' });
    expect(byRule(r.findings, 'DA-CMP-049')).toEqual([]);
  });
});
