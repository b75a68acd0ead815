/**
 * The deploy inputs, parsed from a `getInput` function and the step's environment. Pure: no @actions/core here,
 * so the parser is unit-tested as it is. Every error names the input it is about.
 */
import { DeployInputError } from './input-error.js';
import {
  inputLines,
  parseHostAddress,
  parseHosts,
  parsePort,
  type HostAddress,
  type JumpHost,
} from './host-address.js';
import { readDeploySecrets, type SecretInput } from './secret-inputs.js';
import { parseDurationSeconds } from '../util/duration.js';
import { parseHookInputs, type HookInputs } from './hook-inputs.js';

export { DEPLOY_INPUT_RULE, DeployInputError } from './input-error.js';
export { checkSecretName, type SecretInput } from './secret-inputs.js';

export type ImageDelivery = 'ssh' | 'registry';
/** Where the release runs: `docker compose` on each host over SSH, or a Swarm stack through a manager. */
export type DeployTargetKind = 'compose' | 'swarm';
/** How secret files get their owner: `chown` as the deploy user, `engine` (a root container does it), or `auto`. */
export type SecretOwnerMode = 'auto' | 'chown' | 'engine';
/** How a changed compose service is replaced: start-first where it can be (`auto`), always, or never. */
export type RolloutMode = 'auto' | 'start-first' | 'stop-first';

export interface DeployInputs {
  /** Input `deploy-target` (`target` is the Dockerfile stage input). */
  deployTarget: DeployTargetKind;
  hosts: HostAddress[];
  user: string;
  privateKey: string;
  passphrase?: string;
  knownHosts: string;
  jumpHost?: JumpHost;
  deployPath: string;
  secrets: SecretInput[];
  imageDelivery: ImageDelivery;
  registry?: { server: string; username?: string; password?: string };
  /** Content of the prod env_file; undefined when the input is empty. */
  envFile?: string;
  healthTimeoutSeconds: number;
  allowNonTag: boolean;
  projectName?: string;
  secretOwner: SecretOwnerMode;
  rollout: RolloutMode;
  keepReleases: number;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  /** Input `url`, checked to be an http(s) URL. */
  url?: string;
  /** How long a deploy waits for another one on the same deploy-path to finish. */
  lockTimeoutSeconds: number;
  /** The workflow run (`GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID`), recorded by the lock. */
  runUrl?: string;
  /** Inputs `pre-deploy`, `post-deploy`, `hook-service`, `hook-timeout`; undefined when no hook is given. */
  hooks?: HookInputs;
}

export type GetInput = (name: string) => string;
export type Env = Readonly<Record<string, string | undefined>>;

const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

function parseJumpHost(text: string, defaultUser: string, defaultPort: number): JumpHost | undefined {
  const raw = text.trim();
  if (raw === '') return undefined;
  const at = raw.lastIndexOf('@');
  const user = at >= 0 ? raw.slice(0, at) : defaultUser;
  if (!USER_NAME.test(user)) throw new DeployInputError(`ssh-jump-host: "${user}" is not a user name`);
  return { user, ...parseHostAddress(raw.slice(at + 1), defaultPort, 'ssh-jump-host') };
}

function parseBoolean(text: string, input: string, fallback: boolean): boolean {
  const t = text.trim();
  if (t === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(t)) return true;
  if (['false', 'False', 'FALSE'].includes(t)) return false;
  throw new DeployInputError(`${input}: "${t}" is not true or false`);
}

/** 24 h: far more than any wait needs, and far below Node's 32-bit timer limit (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_SECONDS = 86_400;

function parsePositiveInt(text: string, input: string, fallback: number): number {
  const t = text.trim();
  if (t === '') return fallback;
  if (!/^\d+$/.test(t) || Number(t) < 1)
    throw new DeployInputError(`${input}: "${text.trim()}" is not a positive whole number`);
  return Number(t);
}

/** A timeout: seconds or a duration (`30s`, `10m`, `1h`), bounded: a larger one would overflow the timer and fire at once. */
function parseTimeout(text: string, input: string, fallback: number): number {
  if (text.trim() === '') return fallback;
  const d = parseDurationSeconds(text);
  if ('problem' in d) throw new DeployInputError(`${input}: "${text.trim()}" is not a timeout: ${d.problem}`);
  if (d.seconds < 1) throw new DeployInputError(`${input}: "${text.trim()}" must be at least one second`);
  if (d.seconds > MAX_TIMEOUT_SECONDS) {
    throw new DeployInputError(
      `${input}: "${text.trim()}" is more than the maximum of ${MAX_TIMEOUT_SECONDS} seconds (24 h)`,
    );
  }
  return d.seconds;
}

/** The `url` input goes to `environment.url`, which GitHub shows as a link: only an absolute http(s) URL is one. */
function parseUrl(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw new DeployInputError(`url: "${t}" is not an absolute URL (e.g. https://app.example.com)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new DeployInputError(`url: "${t}" must start with https:// or http://`);
  if (u.username || u.password) throw new DeployInputError('url: must not carry a user name or password');
  return t;
}

function checkDeployPath(path: string): string {
  const p = path.replace(/\/+$/, '') || '/';
  if (!p.startsWith('/')) throw new DeployInputError(`deploy-path: "${path}" must be an absolute path on the host`);
  if (p === '/') throw new DeployInputError('deploy-path: "/" is not a deploy directory');
  if (p.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new DeployInputError(`deploy-path: "${path}" must not contain '.' or '..' segments`);
  }
  // Quoted in every remote command anyway; control characters would still garble logs and known paths, and a
  // backslash is what a shell's `echo` (dash's) would rewrite on the way back.
  if (/[\u0000-\u001f\u007f]/.test(p)) throw new DeployInputError('deploy-path: control characters are not allowed');
  if (p.includes('\\')) throw new DeployInputError('deploy-path: backslashes are not allowed');
  return p;
}

function runUrl(env: Env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}` : undefined;
}

function defaultDeployPath(env: Env): string {
  const repo = env.GITHUB_REPOSITORY ?? '';
  const name = repo.split('/')[1];
  if (!name)
    throw new DeployInputError(
      'deploy-path: not set, and GITHUB_REPOSITORY is not `owner/name` to derive /srv/<name> from',
    );
  return `/srv/${name}`;
}

export function parseDeployInputs(getInput: GetInput, env: Env): DeployInputs {
  const get = (name: string) => (getInput(name) ?? '').trim();
  const port = get('ssh-port') === '' ? 22 : parsePort(get('ssh-port'), 'ssh-port');
  const hosts = parseHosts(getInput('ssh-host') ?? '', port);

  const user = get('ssh-user');
  if (user === '') throw new DeployInputError('ssh-user: required (the deploy user on the hosts)');
  if (!USER_NAME.test(user)) throw new DeployInputError(`ssh-user: "${user}" is not a user name`);

  const privateKey = getInput('ssh-key') ?? '';
  if (privateKey.trim() === '')
    throw new DeployInputError('ssh-key: required (the private key text, e.g. `${{ secrets.SSH_KEY }}`)');
  const passphrase = getInput('ssh-key-passphrase') || undefined;

  const knownHosts = getInput('ssh-known-hosts') ?? '';
  if (inputLines(knownHosts).length === 0) {
    throw new DeployInputError(
      'ssh-known-hosts: required; there is no trust on first use. Add the host keys as known_hosts lines ' +
        '(`ssh-keyscan -p PORT HOST`, with the fingerprints checked out of band against `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`)',
    );
  }

  const imageDelivery = (get('image-delivery') || 'ssh') as ImageDelivery;
  if (imageDelivery !== 'ssh' && imageDelivery !== 'registry') {
    throw new DeployInputError(`image-delivery: "${imageDelivery}" must be \`ssh\` or \`registry\``);
  }
  let registry: DeployInputs['registry'];
  const server = get('registry');
  const username = get('registry-username');
  const password = getInput('registry-password') || undefined;
  if (imageDelivery === 'registry') {
    if (server === '')
      throw new DeployInputError('registry: required when image-delivery is `registry` (e.g. ghcr.io)');
    if (!/^[A-Za-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._/-]+)?$/.test(server)) {
      throw new DeployInputError(
        `registry: "${server}" is not a registry host (e.g. ghcr.io or registry.example.com:5000)`,
      );
    }
    if ((username === '') !== (password === undefined)) {
      throw new DeployInputError('registry-username and registry-password: give both or neither');
    }
    registry = { server, ...(username ? { username } : {}), ...(password ? { password } : {}) };
  }

  const projectName = get('project-name') || undefined;
  if (projectName !== undefined && !PROJECT_NAME.test(projectName)) {
    throw new DeployInputError(
      `project-name: "${projectName}" must be lowercase letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }

  const secretOwner = (get('secret-owner') || 'auto') as SecretOwnerMode;
  if (!['auto', 'chown', 'engine'].includes(secretOwner)) {
    throw new DeployInputError(`secret-owner: "${secretOwner}" must be \`auto\`, \`chown\` or \`engine\``);
  }

  const rollout = (get('rollout') || 'auto') as RolloutMode;
  if (!['auto', 'start-first', 'stop-first'].includes(rollout)) {
    throw new DeployInputError(`rollout: "${rollout}" must be \`auto\`, \`start-first\` or \`stop-first\``);
  }

  const deployTarget = (get('deploy-target') || 'compose') as DeployTargetKind;
  if (deployTarget !== 'compose' && deployTarget !== 'swarm') {
    throw new DeployInputError(`deploy-target: "${deployTarget}" must be \`compose\` or \`swarm\``);
  }
  if (deployTarget === 'swarm' && hosts.length > 1) {
    throw new DeployInputError(
      'ssh-host: with deploy-target swarm give one manager node; Swarm places the tasks on the other nodes itself',
    );
  }

  const envFile = getInput('env-file') ?? '';
  const url = parseUrl(get('url'));
  const jumpHost = parseJumpHost(getInput('ssh-jump-host') ?? '', user, port);
  const hooks = parseHookInputs((name) => getInput(name) ?? '', parseTimeout(get('hook-timeout'), 'hook-timeout', 600));
  return {
    deployTarget,
    hosts,
    user,
    privateKey,
    ...(passphrase ? { passphrase } : {}),
    knownHosts,
    ...(jumpHost ? { jumpHost } : {}),
    deployPath: checkDeployPath(get('deploy-path') || defaultDeployPath(env)),
    secrets: readDeploySecrets(getInput, env),
    imageDelivery,
    ...(registry ? { registry } : {}),
    ...(envFile.trim() !== '' ? { envFile: envFile.endsWith('\n') ? envFile : `${envFile}\n` } : {}),
    healthTimeoutSeconds: parseTimeout(get('health-timeout'), 'health-timeout', 120),
    allowNonTag: parseBoolean(get('allow-non-tag'), 'allow-non-tag', false),
    ...(projectName ? { projectName } : {}),
    secretOwner,
    rollout,
    keepReleases: parsePositiveInt(get('keep-releases'), 'keep-releases', 5),
    connectTimeoutSeconds: parseTimeout(get('ssh-connect-timeout'), 'ssh-connect-timeout', 30),
    commandTimeoutSeconds: parseTimeout(get('ssh-command-timeout'), 'ssh-command-timeout', 600),
    ...(url ? { url } : {}),
    lockTimeoutSeconds: parseTimeout(get('lock-timeout'), 'lock-timeout', 600),
    ...(runUrl(env) ? { runUrl: runUrl(env)! } : {}),
    ...(hooks ? { hooks } : {}),
  };
}
