/**
 * A RemoteShell that answers by script name (and the script's own exit-code table), for the deploy state machines'
 * unit tests. It stands in for the host only; the real sshd and engine are covered by the e2e tests.
 */
import type { RemoteScript } from '../../src/deploy/remote/script.js';
import {
  SshError,
  commandFailed,
  type ExecResult,
  type HeldScript,
  type HoldOptions,
  type RemoteShell,
  type RunOptions,
} from '../../src/deploy/remote/shell.js';
import type { Clock } from '../../src/deploy/release/poll.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, type DeployPlan, type DeploySource } from '../../src/deploy/plan.js';

export interface Call {
  host: string;
  name: string;
  label: string;
  text: string;
  stdin?: Buffer;
  exits: RemoteScript['exits'];
}

/** `code` defaults to 0; `lose` drops the connection during the call (as a cut SSH connection does). */
export type Answer = { code?: number; stdout?: string; stderr?: string; lose?: boolean };
export type Script = (call: Call) => Answer | undefined;

/** A held script (the deploy lock): where in `calls` it was taken and released (`calls.length` at the time). */
export interface Hold {
  host: string;
  name: string;
  text: string;
  takenAt: number;
  releasedAt?: number;
}

export class ScriptedShell implements RemoteShell {
  closed = false;
  constructor(
    readonly host: string,
    private readonly script: Script,
    readonly calls: Call[],
    readonly holds: Hold[] = [],
  ) {}

  /** Answered by the same script (by name); a held script is released on `release` or when the shell closes. */
  async hold(s: RemoteScript, opts: HoldOptions): Promise<HeldScript> {
    if (this.closed) throw new SshError(`${s.label} on ${this.host}: the connection is gone`, 'connection-lost');
    const a = this.script({ host: this.host, name: s.name, label: s.label, text: s.text, exits: s.exits }) ?? {};
    const code = a.code ?? 0;
    if (code !== 0) throw commandFailed(s.label, this.host, code, undefined, a.stdout ?? '', a.stderr ?? '');
    const held: Hold = { host: this.host, name: s.name, text: s.text, takenAt: this.calls.length };
    this.holds.push(held);
    this.releaseOnClose.push(held);
    return {
      stdout: a.stdout ?? `${opts.ready}`,
      release: async () => {
        held.releasedAt ??= this.calls.length;
      },
    };
  }

  private readonly releaseOnClose: Hold[] = [];

  async run(s: RemoteScript, opts: RunOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new SshError(`${s.label} on ${this.host}: the connection is gone`, 'connection-lost');
    const call: Call = { host: this.host, name: s.name, label: s.label, text: s.text, exits: s.exits };
    if (Buffer.isBuffer(opts.stdin)) call.stdin = opts.stdin;
    this.calls.push(call);
    const a = this.script(call) ?? DEFAULT_ANSWERS[s.name] ?? {};
    if (a.lose) {
      this.close();
      throw new SshError(
        `${s.label} on ${this.host} failed: connection to ${this.host} lost`,
        'connection-lost',
        null,
        '',
      );
    }
    const code = a.code ?? 0;
    const out = { code, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    // Streamed as a host does it: in pieces that need not end at a line break.
    if (opts.onStdout && out.stdout) for (const piece of out.stdout.match(/[\s\S]{1,7}/g) ?? []) opts.onStdout(piece);
    if (code === 0 || opts.okCodes?.includes(code)) return out;
    throw commandFailed(s.label, this.host, code, undefined, out.stdout, out.stderr);
  }

  close(): void {
    this.closed = true;
    for (const h of this.releaseOnClose) h.releasedAt ??= this.calls.length;
  }
}

/** The store key every scripted host has unless a test answers `secret-store` itself. */
export const STORE_KEY = '5e'.repeat(32);

/** Answers for scripts a test does not script itself: the secret store opens (may not chown, holds nothing). */
const DEFAULT_ANSWERS: Record<string, Answer> = {
  'secret-store': { stdout: `chown=no\0key=${STORE_KEY}\0` },
};

/** A clock that only moves when the code under test sleeps. */
export class FakeClock implements Clock {
  t = Date.UTC(2026, 0, 1);
  sleeps = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps++;
    this.t += ms;
  }
}

/** NUL-framed records, as the preflight and listing scripts print them. */
export const records = (kv: Array<[string, string]>) => kv.map(([k, v]) => `${k}=${v}\0`).join('');

/**
 * A compose host whose live release is 1.1.0 (project doongzi) and which already holds `imageId`; `answer` adds or
 * overrides an answer by script name. Every other script gets the shell's default.
 */
export function hostRunning110(
  deployPath: string,
  imageId: string,
  answer: Record<string, (c: Call) => Answer | undefined> = {},
): Script {
  const manifest = JSON.stringify({
    version: '1.1.0',
    project: 'doongzi',
    composeFiles: ['deploy/docker-compose.yml'],
  });
  return (c) => {
    if (answer[c.name]) return answer[c.name]!(c);
    if (c.name === 'preflight') {
      return {
        stdout: records([
          ['requested', deployPath],
          ['path', deployPath],
          ['current', 'releases/1.1.0'],
          ['manifest', manifest],
        ]),
      };
    }
    if (c.name === 'image-probe') return { stdout: `${imageId}\n` };
    return undefined;
  };
}

export const log = () => {
  const lines: string[] = [];
  return {
    lines,
    info: (m: string) => lines.push(`info ${m}`),
    warning: (m: string) => lines.push(`warning ${m}`),
    startGroup: (m: string) => lines.push(`group ${m}`),
    endGroup: () => lines.push('endgroup'),
  };
};

/** The deploy source both compose-target suites plan from: one built service, one file secret. */
export const COMPOSE_SOURCE: DeploySource = {
  projectName: 'doongzi',
  composeFiles: [{ path: 'deploy/docker-compose.yml', content: 'services: {app: {image: "doongzi/backend:dev"}}\n' }],
  buildServices: ['app'],
  secretFiles: [{ name: 'db_password', file: 'secrets/db_password.txt', services: ['app'] }],
  envFiles: [],
  runtimeUser: { uid: 999, gid: 999 },
  image: { localRef: 'sha256:abc', repository: 'doongzi/backend' },
  event: { eventName: 'push', ref: 'refs/tags/v1.2.0', sha: '0123456789abcdef0123456789abcdef01234567' },
};

/**
 * A swarm deploy plan through the scripted manager `mgr.example` (deploy-path /srv/st, stack `st`, health-timeout
 * 30, the secret db_password from DB_PASSWORD): the swarm-target and swarm-hooks suites plan from it.
 */
export function scriptedSwarmPlan(key: string, hostKey: string, extra: Record<string, string> = {}): DeployPlan {
  return buildDeployPlan(
    parseDeployInputs(
      (n) =>
        ({
          'ssh-host': 'mgr.example',
          'ssh-user': 'deployer',
          'ssh-key': key,
          'ssh-known-hosts': `mgr.example ${hostKey}`,
          'deploy-path': '/srv/st',
          'deploy-target': 'swarm',
          'health-timeout': '30',
          'deploy-secrets': 'db_password=DB_PASSWORD',
          ...extra,
        })[n] ?? '',
      { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/app' },
    ),
    {
      ...COMPOSE_SOURCE,
      projectName: 'st',
      composeFiles: [{ path: 'deploy/docker-compose.yml', content: 'services: {}\n' }],
      stackConfig: {
        services: {
          app: { image: 'doongzi/backend:dev', secrets: [{ source: 'db_password', target: 'db_password' }] },
        },
        secrets: { db_password: { file: '/x/secrets/db_password.txt' } },
      },
    } as DeploySource,
  );
}
