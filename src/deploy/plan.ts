/**
 * The deploy plan: everything the SSH session will do, built and validated before any connection is made.
 * Bad secret names, paths that escape the release, a key that does not parse or a host with no pinned key all
 * stop here.
 */
import { createHash, createHmac } from 'node:crypto';
import path from 'node:path/posix';
import { utils as sshUtils } from 'ssh2';
import { formatHost } from './host-address.js';
import { DeployInputError, checkSecretName, type DeployInputs } from './inputs.js';
import type { DeployPlan, DeploySource, PlannedFile, PlannedSecret, SwarmPlan } from './plan-model.js';
import { planHooks } from './hook-inputs.js';
import { planRollout } from './rollout-plan.js';
import { renderOverride } from './release/secret-store.js';
import { renderStackFile } from './stack-file.js';
import { RENDERED_COMPOSE_FILE, renderComposeFile } from './compose-render.js';
import { fingerprint, parseKnownHosts, pinsForHost, type KnownHostKey } from './ssh/known-hosts.js';
import { imageTags, resolveVersion } from './version.js';

export type { DeployPlan, DeploySource, PlannedFile, PlannedSecret, SwarmPlan } from './plan-model.js';

export const STACK_FILE = 'docker-stack.deploy-action.yml';
/** Docker limits secret names to 64 characters. */
const MAX_SECRET_NAME = 64;

/**
 * The version part of a secret's name: an HMAC of the value, keyed by a hash of the deploy key, so the same value
 * keeps its name (no needless restarts) while the name, which anyone with docker access sees, cannot be used to test
 * guesses of the value.
 */
export function secretVersion(value: Buffer, privateKey: string): string {
  const key = createHash('sha256').update('deploy-action secret names\0').update(privateKey).digest();
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 12);
}

export const OVERRIDE_NAME = 'docker-compose.deploy-action.yml';

/** A path relative to the project root that stays inside it: no absolute paths, no `..`, nothing odd. */
export function checkRelativePath(p: string, what: string): string {
  if (p === '' || p.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(p)) {
    throw new DeployInputError(`${what}: "${p}" must be a plain path relative to the project root`);
  }
  const norm = path.normalize(p);
  if (norm === '.' || norm === '..' || norm.startsWith('../') || norm.split('/').includes('..')) {
    throw new DeployInputError(`${what}: "${p}" leaves the release directory`);
  }
  if (norm === 'current' || norm === 'releases' || norm.startsWith('.deploy-action')) {
    throw new DeployInputError(`${what}: "${p}" collides with a name deploy-action uses`);
  }
  return norm;
}

export function parsePrivateKey(inputs: Pick<DeployInputs, 'privateKey' | 'passphrase'>): string {
  const parsed = sshUtils.parseKey(inputs.privateKey, inputs.passphrase);
  if (parsed instanceof Error) {
    const msg = parsed.message;
    if (/no passphrase/i.test(msg)) throw new DeployInputError('ssh-key is encrypted: set ssh-key-passphrase');
    if (/bad passphrase|decrypt/i.test(msg)) throw new DeployInputError('ssh-key-passphrase does not decrypt ssh-key');
    throw new DeployInputError(`ssh-key is not a private key this action can read (OpenSSH or PEM format): ${msg}`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key?.isPrivateKey() !== true) throw new DeployInputError('ssh-key holds a public key; give the private key');
  return `${key.type} ${fingerprint(key.getPublicSSH())}`;
}

/** The rendered compose file, or undefined when the source carries no merged model. */
function renderedCompose(source: DeploySource, project: string, version: string) {
  if (!source.composeConfig) return undefined;
  try {
    const content = renderComposeFile({ config: source.composeConfig, projectName: project, version });
    return { path: RENDERED_COMPOSE_FILE, content };
  } catch (e) {
    throw new DeployInputError(`compose-files: ${(e as Error).message}`);
  }
}

/** The parsed known_hosts, once every host (and the jump host) has a pinned key in it. */
export function checkHostPins(inputs: Pick<DeployInputs, 'knownHosts' | 'hosts' | 'jumpHost'>): KnownHostKey[] {
  const knownHosts = parseKnownHosts(inputs.knownHosts);
  const pinned = [...inputs.hosts, ...(inputs.jumpHost ? [inputs.jumpHost] : [])];
  for (const h of pinned) {
    if (pinsForHost(knownHosts, h.host, h.port).accepted.length === 0) {
      throw new DeployInputError(
        `ssh-known-hosts has no key for ${formatHost(h)} (looked up as ${h.port === 22 ? h.host : `[${h.host}]:${h.port}`}). ` +
          `Get it with \`ssh-keyscan -p ${h.port} ${h.host}\` and check its fingerprint out of band`,
      );
    }
  }
  return knownHosts;
}

/** Where and as whom to connect, validated: the key parsed, every host pinned. Shared by deploy and rollback. */
export function connectionPlan(
  inputs: DeployInputs,
): Pick<DeployPlan, 'hosts' | 'user' | 'auth' | 'knownHosts' | 'jumpHost' | 'deployPath'> {
  const keyFingerprint = parsePrivateKey(inputs);
  const knownHosts = checkHostPins(inputs);
  return {
    hosts: inputs.hosts,
    user: inputs.user,
    auth: {
      privateKey: inputs.privateKey,
      ...(inputs.passphrase ? { passphrase: inputs.passphrase } : {}),
      keyFingerprint,
    },
    knownHosts,
    ...(inputs.jumpHost ? { jumpHost: inputs.jumpHost } : {}),
    deployPath: inputs.deployPath,
  };
}

export function buildDeployPlan(inputs: DeployInputs, source: DeploySource): DeployPlan {
  const warnings: string[] = [];
  const version = resolveVersion(source.event, inputs.allowNonTag);
  const connection = connectionPlan(inputs);

  if (source.composeFiles.length === 0) throw new DeployInputError('compose-files: no prod compose file to deploy');
  const composeFiles = source.composeFiles.map((f) => ({ ...f, path: checkRelativePath(f.path, 'compose-files') }));
  const composeDir = path.dirname(composeFiles[0]!.path);
  const overridePath = composeDir === '.' ? OVERRIDE_NAME : `${composeDir}/${OVERRIDE_NAME}`;

  const projectName = inputs.projectName ?? source.projectName;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(projectName)) {
    throw new DeployInputError(`project-name: "${projectName}" is not a valid compose project name`);
  }

  if (!source.image.repository || /[\s:@]$/.test(source.image.repository)) {
    throw new DeployInputError(`image: "${source.image.repository}" is not an image repository`);
  }
  const registry = inputs.imageDelivery === 'registry' ? inputs.registry : undefined;
  const repository =
    registry && !source.image.repository.startsWith(`${registry.server}/`)
      ? `${registry.server}/${source.image.repository}`
      : source.image.repository;
  const targetRefs = imageTags(repository, version);

  if (source.buildServices.length === 0) {
    warnings.push('no compose service has `build:`; no service is pinned to the delivered image');
  }
  const pinnedImages = Object.fromEntries(source.buildServices.map((s) => [s, targetRefs[0]!]));
  const overrideText = renderOverride(pinnedImages);

  // Secrets: every name given must be a compose secret, and every compose file secret must get a value.
  const byName = new Map(source.secretFiles.map((s) => [s.name, s.file]));
  const usedBy = new Map(source.secretFiles.map((s) => [s.name, [...s.services]]));
  const secrets: PlannedSecret[] = [];
  for (const s of inputs.secrets) {
    checkSecretName(s.name);
    const file = byName.get(s.name);
    if (file === undefined) {
      const known = [...byName.keys()];
      throw new DeployInputError(
        `deploy-secrets: ${s.name} is not a secret of the prod compose files (${known.length ? `they declare ${known.join(', ')}` : 'they declare none'})`,
      );
    }
    secrets.push({
      name: s.name,
      relativePath: checkRelativePath(file, `secret ${s.name} file`),
      value: s.value,
      services: usedBy.get(s.name) ?? [],
    });
  }
  for (const name of byName.keys()) {
    if (!inputs.secrets.some((s) => s.name === name)) {
      throw new DeployInputError(
        `deploy-secrets: the compose secret ${name} has no value; add a line \`${name}=ENV_VAR_NAME\``,
      );
    }
  }

  const envFiles = [...new Set(source.envFiles.map((p) => checkRelativePath(p, 'env_file')))];
  if (envFiles.length > 0 && inputs.envFile === undefined) {
    warnings.push(`env-file is empty: writing an empty ${envFiles.join(', ')} so compose can start`);
  }
  // The compose target runs the checked model, rendered once here; the raw files only when no model was handed over.
  const rendered =
    inputs.deployTarget === 'compose' ? renderedCompose(source, projectName, version.version) : undefined;
  const uploaded = rendered ? [rendered] : composeFiles;
  const files: PlannedFile[] = [
    ...uploaded.map((f) => ({ relativePath: f.path, content: Buffer.from(f.content), mode: '0644' as const })),
    { relativePath: overridePath, content: Buffer.from(overrideText), mode: '0644' },
    ...envFiles.map((p) => ({ relativePath: p, content: Buffer.from(inputs.envFile ?? ''), mode: '0600' as const })),
  ];
  const taken = new Set<string>();
  for (const p of [...files.map((f) => f.relativePath), ...secrets.map((s) => s.relativePath)]) {
    if (taken.has(p)) throw new DeployInputError(`two deploy files land on the same path ${p}`);
    taken.add(p);
  }
  for (const s of secrets) {
    if (
      files.some(
        (f) => path.dirname(f.relativePath) === path.dirname(s.relativePath) && path.dirname(s.relativePath) !== '.',
      )
    ) {
      warnings.push(
        `secret ${s.name} shares the directory ${path.dirname(s.relativePath)} with other files; that directory becomes 0700`,
      );
    }
  }

  const { uid, gid } = source.runtimeUser;
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid < 0 || gid < 0) {
    throw new DeployInputError(`runtime user ${uid}:${gid} is not a numeric uid:gid`);
  }
  if (uid === 0 && secrets.length > 0) warnings.push('the image runs as root: the secret files are owned by root');

  let swarm: SwarmPlan | undefined;
  if (inputs.deployTarget === 'swarm') {
    if (!source.stackConfig)
      throw new DeployInputError(
        'deploy-target swarm: the merged prod compose model is not available to render the stack file',
      );
    const secretNames: Record<string, string> = {};
    for (const s of secrets) {
      const name = `${projectName}_${s.name}_${secretVersion(s.value, inputs.privateKey)}`;
      if (name.length > MAX_SECRET_NAME) {
        throw new DeployInputError(
          `deploy-secrets: the Docker secret name ${name} is longer than ${MAX_SECRET_NAME} characters; shorten project-name or the secret name`,
        );
      }
      secretNames[s.name] = name;
    }
    swarm = {
      stack: projectName,
      config: source.stackConfig,
      buildServices: [...source.buildServices],
      secretNames,
      stackFile: STACK_FILE,
      envFiles,
    };
    // Render once now, so a model the stack cannot express stops the deploy before any connection.
    try {
      warnings.push(
        ...renderStackFile({
          config: swarm.config,
          image: targetRefs[0]!,
          buildServices: swarm.buildServices,
          secretNames,
          runtimeUser: { uid, gid },
          version: version.version,
        }).warnings,
      );
    } catch (e) {
      throw new DeployInputError(`deploy-target swarm: ${(e as Error).message}`);
    }
  }

  return {
    target: inputs.deployTarget,
    ...connection,
    projectName,
    version,
    image: {
      localRef: source.image.localRef,
      targetRefs,
      delivery: inputs.imageDelivery,
      ...(registry ? { registry } : {}),
    },
    files,
    composeFiles: [...uploaded.map((f) => f.path), overridePath],
    override: { relativePath: overridePath, pinned: pinnedImages },
    ...(rendered && source.composeConfig ? { composeModel: source.composeConfig } : {}),
    secrets,
    runtimeUser: { uid, gid },
    secretOwner: inputs.secretOwner,
    // Swarm replaces tasks by its own `update_config`; `rollout` is the compose target's.
    rollout: planRollout(inputs.deployTarget === 'compose' ? inputs.rollout : 'stop-first', source.services),
    healthTimeoutSeconds: inputs.healthTimeoutSeconds,
    keepReleases: inputs.keepReleases,
    connectTimeoutMs: inputs.connectTimeoutSeconds * 1000,
    commandTimeoutMs: inputs.commandTimeoutSeconds * 1000,
    lockTimeoutSeconds: inputs.lockTimeoutSeconds,
    runUrl: inputs.runUrl ?? '',
    secretEnvVars: inputs.secrets.map((s) => s.envVar),
    ...(swarm ? { swarm } : {}),
    warnings,
    ...(inputs.url ? { url: inputs.url } : {}),
    ...(inputs.hooks ? { hooks: planHooks(inputs.hooks, source) } : {}),
  };
}

/**
 * Values the entry point passes to `core.setSecret` before anything is printed: each secret, the key, passphrase and
 * registry password, and each line of multi-line values (the runner masks line by line).
 */
export function valuesToMask(inputs: DeployInputs): string[] {
  const raw = [
    ...inputs.secrets.flatMap((s) => [s.value.toString('utf8'), s.given]),
    inputs.privateKey,
    inputs.passphrase ?? '',
    inputs.registry?.password ?? '',
  ];
  const out = new Set<string>();
  for (const v of raw) {
    if (v.trim() === '') continue;
    out.add(v);
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= 4) out.add(line.trim());
  }
  return [...out];
}
