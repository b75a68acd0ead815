import type { Origin, YMap } from './tree.js';

/** A value and the file/line/column that introduced it into the merged model. */
export interface Located<T> {
  value: T;
  origin: Origin;
  /** The text as written before interpolation, when it differed. */
  raw?: string;
}

export interface ServiceVolume {
  type: string;
  /** As written (after interpolation). */
  source?: string;
  /** Bind sources resolved to an absolute path (Compose resolves them against the project directory). */
  resolvedSource?: string;
  target: string;
  readOnly: boolean;
  /** Written in short syntax (`./src:/app`). */
  short: boolean;
  origin: Origin;
}

export interface ServicePort {
  target: number;
  published?: string;
  hostIp?: string;
  protocol: string;
  mode: string;
  origin: Origin;
}

export interface ServiceSecret {
  source: string;
  /** As written; Compose mounts a relative target under /run/secrets. */
  target?: string;
  /** The path inside the container. */
  mountPath: string;
  /**
   * Permission bits as Compose reads them (YAML octal `0400` = 256). Compose 2.26 reads a quoted mode as decimal
   * (`"0400"` = 400 = 0620); `modeText` keeps such a string as written.
   */
  mode?: number;
  modeText?: string;
  modeOrigin?: Origin;
  uid?: string;
  gid?: string;
  /** Long syntax (a mapping) rather than `- name`. */
  long: boolean;
  origin: Origin;
}

export interface EnvVar {
  key: string;
  /** Null for `KEY` without a value (taken from the deploy host's environment at run time). */
  value: string | null;
  /** The value as written, before interpolation, when it differed (e.g. `${DB_PASSWORD}`). */
  raw?: string;
  origin: Origin;
}

export interface EnvFileRef {
  /** As written. */
  path: string;
  resolvedPath: string;
  required: boolean;
  format?: string;
  origin: Origin;
}

export interface BuildSpec {
  context: Located<string>;
  resolvedContext: string;
  dockerfile?: Located<string>;
  target?: Located<string>;
  origin: Origin;
}

export interface ServiceModel {
  name: string;
  /** The service's key in the first file that declares it. */
  origin: Origin;
  image?: Located<string>;
  user?: Located<string>;
  build?: BuildSpec;
  volumes: ServiceVolume[];
  ports: ServicePort[];
  secrets: ServiceSecret[];
  environment: EnvVar[];
  envFiles: EnvFileRef[];
  healthcheck: { present: boolean; disabled: boolean; origin?: Origin };
  restart?: Located<string>;
  /** Booleans and numbers as Compose reads them: `yes`, `"on"` and `${VAR}` = `true` are all true. */
  privileged?: Located<boolean>;
  readOnly?: Located<boolean>;
  init?: Located<boolean>;
  tty?: Located<boolean>;
  stdinOpen?: Located<boolean>;
  scale?: Located<number>;
  /** `deploy.replicas`. */
  replicas?: Located<number>;
  networkMode?: Located<string>;
  pid?: Located<string>;
  /** The other namespaces a service can share with the host (`ipc`, `uts`, `userns_mode`, `cgroup`), by key. */
  namespaces: Partial<Record<'ipc' | 'uts' | 'userns_mode' | 'cgroup', Located<string>>>;
  securityOpt: Located<string>[];
  /** `devices:` entries, short (`/dev/x:/dev/y:rwm`) or the source of the long syntax. */
  devices: Located<string>[];
  capAdd: Located<string>[];
  cpus?: Located<string>;
  memLimit?: Located<string>;
  limits: { cpus?: Located<string>; memory?: Located<string> };
  /** The merged service as a tree (every node with its origin), for rules that need more. */
  node: YMap;
}

export interface TopLevelSecret {
  name: string;
  origin: Origin;
  /** `file:` as written (after interpolation). */
  file?: Located<string>;
  /** `file:` resolved to an absolute path. */
  resolvedFile?: string;
  environment?: Located<string>;
  external: boolean;
}

export interface TopLevelVolume {
  name: string;
  origin: Origin;
  labels: Record<string, string>;
  external: boolean;
  /** Declared as a data volume (`com.doongzi.deploy-action.data: "true"` label). */
  data: boolean;
}

export interface ComposeModel {
  projectName: string;
  projectDir: string;
  /** Absolute paths, `-f` order. */
  files: string[];
  services: ServiceModel[];
  secrets: Record<string, TopLevelSecret>;
  volumes: Record<string, TopLevelVolume>;
  /** The merged document. */
  root: YMap;
  /** The environment interpolation used (project `.env` under the process environment). */
  env: Record<string, string | undefined>;
  /** No file outside it is read: env files are read again through it. */
  repositoryRoot: string;
}

/** The top-level volume label that declares a named volume as deliberate prod data. */
export const DATA_VOLUME_LABEL = 'com.doongzi.deploy-action.data';
