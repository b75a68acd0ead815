/**
 * What a deploy would do on one compose host, read without changing it: the live release (preflight's records, read
 * only), the image (present, or the layers it lacks), the files and secrets against the live release, and the
 * services Compose would recreate (its own dry run). No deploy lock: a plan takes none, so it never holds up a
 * deploy; what it reads is the state at that moment.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LocalImage } from '../deliver-image.js';
import { decideLayerDiff } from '../layer-diff/host-layers.js';
import type { DeployPlan } from '../plan.js';
import { readDeployPathReport } from '../release/release.js';
import { parseStoreKey, placeSecrets, releaseDigest, renderOverride, SECRET_STORE } from '../release/secret-store.js';
import { exitName, frame, parseRecords, remoteJoin, type RemoteScript } from '../remote/script.js';
import { imageProbeScript } from '../remote/scripts/image.js';
import { planDryRunScript, planReadScript } from '../remote/scripts/plan.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import { tarBuffer } from '../remote/tar-buffer.js';
import { hostText } from '../../util/host-text.js';

export type Change = 'changed' | 'added' | 'unchanged';

export interface ImagePlan {
  /** `present`: the host holds the image ID; `pull`: registry delivery; `stream`: sent over SSH. */
  method: 'present' | 'pull' | 'stream';
  /** For `stream`: the uncompressed bytes of the layer blobs the host lacks (gzip shrinks them on the way). */
  uncompressedBytes?: number;
  layersSent?: number;
  layersTotal?: number;
  fullReason?: string;
}

export interface HostPlan {
  host: string;
  error?: string;
  liveVersion?: string;
  /** The live release already is this one (same keyed digest): a deploy would stage nothing. */
  unchanged?: boolean;
  image?: ImagePlan;
  files: Array<{ path: string; change: Change }>;
  /** Secret names only: never a value or a hash of one. `as`: the versioned Docker secret (swarm). */
  secrets: Array<{ name: string; change: 'rotate' | 'new' | 'unchanged'; as?: string }>;
  /** Compose: what its dry run would do; swarm: how the stack's service spec would change (`detail`: which keys). */
  services: Array<{
    service: string;
    action: 'recreate' | 'create' | 'unchanged' | 'update' | 'remove';
    detail?: string;
  }>;
  notes: string[];
}

/** Counts the uncompressed layer bytes a filtered save stream would carry (computed on the runner; nothing is sent). */
export type LayerBytes = (drop: ReadonlySet<number>) => Promise<number>;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function releaseTar(files: ReadonlyArray<{ relativePath: string; content: Buffer }>): Promise<Buffer> {
  return tarBuffer(files.map((f) => ({ header: { name: f.relativePath, mode: 0o600 }, body: f.content })));
}

export async function planImage(
  plan: DeployPlan,
  shell: RemoteShell,
  local: LocalImage,
  layerBytes: LayerBytes,
): Promise<ImagePlan> {
  const probe = await shell.run(imageProbeScript(local.id), { okCodes: [1], timeoutMs: 60_000 });
  if (probe.code === 0 && probe.stdout.trim() === local.id) return { method: 'present' };
  if (plan.image.delivery === 'registry') return { method: 'pull' };
  const decision = await decideLayerDiff(shell, local.diffIds);
  const total = local.diffIds?.length;
  const whole = (reason: string): ImagePlan => ({
    method: 'stream',
    ...(local.size !== undefined ? { uncompressedBytes: local.size } : {}),
    ...(total !== undefined ? { layersTotal: total, layersSent: total } : {}),
    fullReason: reason,
  });
  if (decision.kind === 'full') return whole(decision.reason);
  if (decision.drop.size === 0) return whole('every layer the host holds is needed again');
  return {
    method: 'stream',
    uncompressedBytes: await layerBytes(decision.drop),
    layersTotal: total!,
    layersSent: total! - decision.drop.size,
  };
}

/** `DRY-RUN MODE -  Container <name>  Recreate|Creating` lines, sorted onto the release's services. */
export function servicesFromDryRun(stdout: string, project: string): HostPlan['services'] {
  const rec = parseRecords(stdout);
  const list = (k: string) =>
    (rec.get(k)?.[0] ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const recreate = new Set<string>();
  const create = new Set<string>();
  for (const line of list('dryrun')) {
    const m = /Container (\S+)\s+(Recreate|Creating)$/.exec(line);
    if (m) (m[2] === 'Recreate' ? recreate : create).add(m[1]!);
  }
  const containers = list('containers').map((l) => l.split(/\s+/));
  return list('services').map((service) => {
    const names = containers.filter((c) => c[1] === service).map((c) => c[3] ?? '');
    if (names.some((n) => recreate.has(n))) return { service, action: 'recreate' as const };
    const fresh = [...create].some((n) => n.startsWith(`${project}-${service}-`));
    if (fresh && !names.length) return { service, action: 'create' as const };
    return { service, action: 'unchanged' as const };
  });
}

/** A plan's read script run once: its records, or the host's error (a preflight refusal by its exit, else the read). */
export async function readPlanRecords(
  shell: RemoteShell,
  read: RemoteScript,
): Promise<{ rec: Map<string, string[]> } | { error: string }> {
  try {
    return { rec: parseRecords((await shell.run(read, { timeoutMs: 60_000 })).stdout) };
  } catch (e) {
    return { error: exitName(read, (e as SshError).exitCode) ? hostError(e, 'preflight') : hostError(e, 'read') };
  }
}

export function hostError(e: unknown, label: string): string {
  const err = e as SshError;
  const last = (err.stderr ?? '').trim().split('\n').slice(-1)[0];
  return hostText(err.kind === 'command' && last ? `${label}: ${last}` : (err.message ?? String(e)));
}

/** Plans one host over an open shell; every failure lands in `error`, never thrown. */
export async function planHost(
  plan: DeployPlan,
  name: string,
  shell: RemoteShell,
  local: LocalImage,
  layerBytes: LayerBytes,
): Promise<HostPlan> {
  const out: HostPlan = { host: name, files: [], secrets: [], services: [], notes: [] };
  const read = planReadScript(
    plan.deployPath,
    plan.files.map((f) => f.relativePath),
  );
  const got = await readPlanRecords(shell, read);
  if ('error' in got) return { ...out, error: got.error };
  const { rec } = got;
  try {
    const absent = rec.get('absent')?.[0] === '1';
    const report = absent ? undefined : readDeployPathReport(rec, plan.deployPath);
    const live = report?.live;
    if (absent) out.notes.push(`deploy-path ${plan.deployPath} does not exist yet: a deploy would create it`);
    if (live?.manifestProblem) out.notes.push(hostText(live.manifestProblem));
    if (live) out.liveVersion = live.manifest?.version ?? live.dir;
    const deployPath = report?.path ?? plan.deployPath;

    out.image = await planImage(plan, shell, local, layerBytes);

    // Without a store key the deploy makes one, so every secret is new: a random key stands in for it.
    const keyText = rec.get('key')?.[0];
    const key = keyText ? parseStoreKey(keyText) : randomBytes(32);
    if (!keyText && plan.secrets.length) out.notes.push('the host has no secret store yet: a deploy would make one');
    const stored = new Set(rec.get('store') ?? []);
    const placed = placeSecrets(plan.secrets, remoteJoin(deployPath, SECRET_STORE), key, plan.runtimeUser);
    const liveFiles = new Set(live?.manifest?.secretFiles ?? []);
    out.secrets = placed.map((p) => {
      if (liveFiles.has(p.fileName) && stored.has(p.fileName)) return { name: p.name, change: 'unchanged' as const };
      const had = [...liveFiles].some((f) => f.startsWith(`${p.name}.`) && f.length === p.fileName.length);
      return { name: p.name, change: had ? ('rotate' as const) : ('new' as const) };
    });

    const override = Buffer.from(renderOverride(plan.override.pinned, placed));
    const files = plan.files.map((f) =>
      f.relativePath === plan.override.relativePath ? { ...f, content: override } : f,
    );
    const liveHashes = new Map(
      (rec.get('live') ?? []).map((l) => [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]),
    );
    out.files = files.map((f) => {
      const had = liveHashes.get(f.relativePath);
      const change: Change = had === undefined ? 'added' : had === sha256(f.content) ? 'unchanged' : 'changed';
      return { path: f.relativePath, change };
    });
    const digest = releaseDigest(key, {
      version: plan.version.version,
      project: plan.projectName,
      composeFiles: plan.composeFiles,
      files,
      imageId: local.id,
      owner: plan.runtimeUser,
      placed,
    });
    out.unchanged = live?.manifest?.digest === digest && out.secrets.every((s) => s.change === 'unchanged');

    const dry = planDryRunScript(plan.projectName, plan.composeFiles);
    const r = await shell.run(dry, { stdin: frame(await releaseTar(files)), timeoutMs: plan.commandTimeoutMs });
    out.services = servicesFromDryRun(r.stdout, plan.projectName);
  } catch (e) {
    out.error = (e as SshError).kind ? hostError(e, 'plan') : hostText((e as Error).message);
  }
  return out;
}
