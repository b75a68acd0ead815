/**
 * Puts the release image on a host. `ssh`: `docker save`, without the layer blobs the host already holds
 * (layer-diff/), gzip, the SSH channel, the remote `docker load` (which reads gzip): nothing touches a disk in
 * between. `registry`: pushed once from the runner, pulled by each host (deliver-registry.ts). A host that already
 * holds the image ID only gets the tags.
 */
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DeployPlan } from './plan.js';
import type { LocalDocker } from './local-docker.js';
import { pullFromRegistry, pushToRegistry } from './deliver-registry.js';
import { decideLayerDiff } from './layer-diff/host-layers.js';
import { filterSaveStream, type FilterStats, type LayerDropPlan } from './layer-diff/save-filter.js';
import { parseRecords } from './remote/script.js';
import { imageLoadScript, imageProbeScript, tagImageScript } from './remote/scripts/image.js';
import type { RemoteShell } from './remote/shell.js';
import type { HostSummary } from './summary.js';
import { formatBytes } from '../util/format.js';

export interface LocalImage {
  id: string;
  /** Registry digest after a push (registry delivery). */
  digest?: string;
  /** `docker image inspect` Size: the image's bytes (its layers, uncompressed). */
  size?: number;
  /** `RootFS.Layers`, base first: what layer-diff delivery compares with each host. */
  diffIds?: string[];
}

/** Tag the checked image with the release tags on the runner; push them for registry delivery. */
export async function prepareLocalImage(plan: DeployPlan, docker: LocalDocker): Promise<LocalImage> {
  const facts = (
    await docker.run(['image', 'inspect', '--format', '{{.Id}} {{.Size}} {{json .RootFS.Layers}}', plan.image.localRef])
  ).trim();
  const [id = '', size, layers] = facts.split(' ');
  const diffIds = JSON.parse(layers ?? 'null') as string[] | null;
  const known = { id, ...(Number(size) >= 0 ? { size: Number(size) } : {}), ...(diffIds ? { diffIds } : {}) };
  for (const ref of plan.image.targetRefs) await docker.run(['tag', id, ref]);
  if (plan.image.delivery !== 'registry') return known;
  const digest = await pushToRegistry(plan, docker, id);
  return { ...known, ...(digest ? { digest } : {}) };
}

export type DeliveryResult = 'already-present' | 'loaded' | 'pulled';

/** What one host's delivery did; the byte figures are for the summary and the `image-bytes-sent` output. */
export interface Delivery {
  method: DeliveryResult;
  /** Compressed bytes written into the SSH channel (0 when nothing was streamed). */
  bytesSent: number;
  /** What the host's `docker load` read, as the host counted it. */
  bytesReceived?: number;
  imageBytes?: number;
  /** Layer blobs in the stream sent, of the image's layers (ssh delivery). */
  layersSent?: number;
  layersTotal?: number;
  /** Why the whole image was streamed rather than only the layers the host lacks. */
  fullReason?: string;
}

export async function deliverImage(
  plan: DeployPlan,
  local: LocalImage,
  shell: RemoteShell,
  docker: LocalDocker,
): Promise<Delivery> {
  const size = local.size !== undefined ? { imageBytes: local.size } : {};
  const probe = await shell.run(imageProbeScript(local.id), { okCodes: [1], timeoutMs: 60_000 });
  if (probe.code === 0 && probe.stdout.trim() === local.id) {
    await shell.run(tagImageScript(local.id, plan.image.targetRefs), { timeoutMs: 60_000 });
    return { method: 'already-present', bytesSent: 0, ...size };
  }
  if (plan.image.delivery === 'registry') {
    await pullFromRegistry(plan, shell, local.digest);
    return { method: 'pulled', bytesSent: 0, ...size };
  }
  const decision = await decideLayerDiff(shell, local.diffIds);
  const total = local.diffIds?.length;
  const dropPlan =
    decision.kind === 'diff' && decision.drop.size > 0 ? { diffIds: local.diffIds!, drop: decision.drop } : undefined;
  const sent = await streamImage(plan, shell, docker, dropPlan);
  const reason =
    decision.kind === 'full' ? decision.reason : dropPlan ? undefined : 'every layer the host holds is needed again';
  return {
    method: 'loaded',
    bytesSent: sent.bytes,
    ...(sent.received !== undefined ? { bytesReceived: sent.received } : {}),
    ...size,
    ...(total !== undefined ? { layersTotal: total, layersSent: total - (sent.stats?.droppedBlobs ?? 0) } : {}),
    ...(reason ? { fullReason: reason } : {}),
  };
}

/** The log line's words for a delivery: how, and for a stream what it sent of the image. */
export function describeDelivery(d: Delivery): string {
  if (d.method === 'already-present') return 'already present, tagged';
  if (d.method !== 'loaded') return d.method;
  const image = d.imageBytes !== undefined ? ` of a ${formatBytes(d.imageBytes)} image` : '';
  const what = d.fullReason
    ? `the whole image (${d.fullReason})`
    : `${d.layersSent} of ${d.layersTotal} layer(s), the host held the rest`;
  const read = d.bytesReceived !== undefined ? `; the host's load received ${d.bytesReceived} bytes` : '';
  return `loaded: sent ${what}, ${formatBytes(d.bytesSent)} compressed${image}${read}`;
}

/** Counts the bytes that go into the channel (after gzip). */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      counter.bytes += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

async function streamImage(
  plan: DeployPlan,
  shell: RemoteShell,
  docker: LocalDocker,
  dropPlan: LayerDropPlan | undefined,
): Promise<{ bytes: number; received?: number; stats?: FilterStats }> {
  const save = docker.save(plan.image.targetRefs);
  const filtered = dropPlan ? filterSaveStream(save.stdout, dropPlan) : undefined;
  const source = filtered ? filtered.output : save.stdout;
  const gzip = createGzip({ level: 1 });
  const counter = byteCounter();
  source.on('error', (e) => gzip.destroy(e));
  gzip.on('error', (e) => counter.destroy(e));
  counter.on('error', () => undefined); // reported through the load's own failure
  source.pipe(gzip).pipe(counter);
  try {
    const [load, , stats] = await Promise.all([
      shell.run(imageLoadScript(), { stdin: counter, timeoutMs: plan.commandTimeoutMs }),
      save.done,
      filtered?.done,
    ]);
    const received = Number(parseRecords(load.stdout).get('received')?.[0] ?? NaN);
    return { bytes: counter.bytes, ...(Number.isFinite(received) ? { received } : {}), ...(stats ? { stats } : {}) };
  } catch (e) {
    await stopSave(save, source, counter);
    throw e;
  }
}

/** After SIGTERM, SIGKILL follows this much later (src/process); the wait for the exit is bounded by a bit more. */
const SAVE_EXIT_WAIT_MS = 8_000;

/**
 * Ends a `docker save` whose load failed: the pipes destroyed (a writer blocked on a full pipe never reads a
 * signal's meaning), the process killed for real (SIGTERM, then SIGKILL), and its exit waited for, bounded, so
 * neither the child nor its pipes keep the step alive.
 */
async function stopSave(
  save: ReturnType<LocalDocker['save']>,
  // The save's stdout, or the layer filter's output (a tar-stream pack: a streamx stream, which has no unpipe).
  source: { destroy(e?: Error): unknown },
  channel: Transform,
): Promise<void> {
  // With an error, so a load still reading it fails now instead of waiting for its command timeout.
  channel.destroy(new Error('the image stream was stopped'));
  source.destroy();
  save.stdout.destroy();
  save.child.kill();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    save.done.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SAVE_EXIT_WAIT_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** A host's summary gets the delivery's method and byte figures. */
export function recordDelivery(summary: HostSummary, d: Delivery): void {
  summary.imageDelivery = d.method;
  summary.imageBytesSent = d.bytesSent;
  if (d.imageBytes !== undefined) summary.imageSize = d.imageBytes;
}
