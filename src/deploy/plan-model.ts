/** The deploy plan's shape: what the check hands to the deploy, and what the targets carry out. */
import type { HostAddress, JumpHost } from './host-address.js';
import type { DeployTargetKind, RolloutMode, SecretOwnerMode } from './inputs.js';
import type { KnownHostKey } from './ssh/known-hosts.js';
import type { GitEvent, VersionInfo } from './version.js';

/** What the check and the compose model hand to the deploy (all paths relative to the project root). */
export interface DeploySource {
  /** The compose project name (compose `name:`); the `project-name` input overrides it. */
  projectName: string;
  /** The prod compose files in `-f` order, e.g. `deploy/docker-compose.yml`, with their text. */
  composeFiles: ReadonlyArray<{ path: string; content: string }>;
  /** Services with `build:`: the override pins them to the delivered image. */
  buildServices: readonly string[];
  /**
   * Top-level compose secrets with `file:`, the file resolved relative to the project root (`secrets/db_password.txt`),
   * and the services that use each (they are recreated when its value changes).
   */
  secretFiles: ReadonlyArray<{ name: string; file: string; services: readonly string[] }>;
  /** `env_file` paths of the prod services, relative to the project root (`.env.prod`). */
  envFiles: readonly string[];
  /** The image's runtime user, as the check resolved it from the image's own /etc/passwd. */
  runtimeUser: { uid: number; gid: number };
  /** The checked image: a local reference, and the repository its release tags go under (`doongzi/backend`). */
  image: { localRef: string; repository: string };
  event: GitEvent;
  /** The prod services, each with the reason it cannot roll out start-first (none when it can). */
  services?: ReadonlyArray<{ name: string; rolloutBlocker?: string }>;
  /**
   * The merged prod model, interpolated, in `docker compose config --format json` shape (`$` as `$$`), with each
   * service's `environment` from the compose files only and its `env_file` paths relative to the project root.
   * The swarm target renders its stack file from it.
   */
  stackConfig?: Record<string, unknown>;
  /**
   * The same model for the compose target, its bind-mount sources and secret/config files relative to the project
   * root (`./deploy/data`): rendered into the one compose file the host runs. Without it (hand-built sources), the
   * raw compose files are uploaded as they are.
   */
  composeConfig?: Record<string, unknown>;
}

/** What only the swarm target needs; everything else in the plan is shared by both targets. */
export interface SwarmPlan {
  /** The stack name (= the compose project name). */
  stack: string;
  config: Record<string, unknown>;
  buildServices: string[];
  /** Compose secret name → the versioned Docker secret name `<stack>_<name>_<hash>`. */
  secretNames: Record<string, string>;
  /** Written at the release root, so relative `env_file` paths resolve as they do for compose. */
  stackFile: string;
  /** The env files, relative to the release root (= the project root layout). */
  envFiles: string[];
}

/** Which compose services roll out start-first; the others are stopped before their new container starts. */
export interface RolloutPlan {
  mode: RolloutMode;
  startFirst: string[];
  stopFirst: Array<{ service: string; reason: string }>;
}

export interface PlannedFile {
  /** Relative to the release directory (= the project root layout). */
  relativePath: string;
  content: Buffer;
  mode: '0644' | '0600';
}

export interface PlannedSecret {
  name: string;
  relativePath: string;
  value: Buffer;
  /** The compose services that use it. */
  services: string[];
}

export interface DeployPlan {
  target: DeployTargetKind;
  hosts: HostAddress[];
  user: string;
  auth: { privateKey: string; passphrase?: string; keyFingerprint: string };
  knownHosts: KnownHostKey[];
  jumpHost?: JumpHost;
  deployPath: string;
  projectName: string;
  version: VersionInfo;
  image: {
    localRef: string;
    /** The release tags (`repo:1.2.3`, `repo:sha-abc1234`), prefixed with the registry for registry delivery. */
    targetRefs: string[];
    delivery: 'ssh' | 'registry';
    registry?: { server: string; username?: string; password?: string };
  };
  /** Compose files, the env files and the pinning override, as uploaded. */
  files: PlannedFile[];
  /** The `-f` list, relative to the release directory, ending with the override. */
  composeFiles: string[];
  /**
   * The pinning override: its path in the release and the services pinned to the delivered image. The compose target
   * renders it again per host, with each secret's file in the host's store and its keyed-hash labels.
   */
  override: { relativePath: string; pinned: Record<string, string> };
  /** The merged model the rendered compose file holds (compose target); its facts go into the manifest. */
  composeModel?: Record<string, unknown>;
  secrets: PlannedSecret[];
  runtimeUser: { uid: number; gid: number };
  secretOwner: SecretOwnerMode;
  rollout: RolloutPlan;
  healthTimeoutSeconds: number;
  keepReleases: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** How long to wait for the deploy lock of deploy-path, in seconds. */
  lockTimeoutSeconds: number;
  /** The workflow run, recorded as the lock's holder; '' when the environment does not name one. */
  runUrl: string;
  /** Environment variables that hold secret values: local child processes (docker) do not inherit them. */
  secretEnvVars: string[];
  /** Set for `deploy-target: swarm`. */
  swarm?: SwarmPlan;
  /** Warnings found while planning, for the log. */
  warnings: string[];
  /** Input `url`: where the deployed service answers, for the `url` output. */
  url?: string;
  /** The pre-/post-deploy hooks; undefined when none is given. */
  hooks?: HookPlan;
}

/** A hook runs as argv in a one-off container of `service` (`docker compose run --rm --no-deps -T`; swarm: a job). */
export interface HookPlan {
  pre?: string[];
  post?: string[];
  service: string;
  timeoutSeconds: number;
}
