/**
 * Which layers of the release image a host can do without. `docker load` (dockerd 20.10, tarexport/load.go) looks
 * each layer up by chain ID and opens the blob only when the engine lacks that chain; an image on the host holds
 * every chain of its own layer list, so the longest prefix of our diff IDs that some host image starts with is what
 * the host holds. The containerd image store loads differently (content by compressed digest): a partial stream is
 * not proven there, so it gets the whole image.
 */
import { parseRecords } from '../remote/script.js';
import { imageLayersScript } from '../remote/scripts/image.js';
import type { RemoteShell, SshError } from '../remote/shell.js';

export type LayerDiffDecision =
  | {
      kind: 'diff';
      /** Layers (base first) the host holds as a chain. */
      held: number;
      /** Indexes whose blobs are left out: held, and not needed again above the held part. */
      drop: Set<number>;
    }
  | { kind: 'full'; reason: string };

/** How many leading layers of `ours` the chain `theirs` shares. */
function sharedPrefix(ours: readonly string[], theirs: readonly string[]): number {
  let n = 0;
  while (n < ours.length && n < theirs.length && ours[n] === theirs[n]) n += 1;
  return n;
}

/** The decision from what the host reported (the `image-layers` script's records). */
export function decideFromRecords(diffIds: readonly string[], stdout: string): LayerDiffDecision {
  const records = parseRecords(stdout);
  const driver = records.get('driver')?.[0] ?? '';
  if (driver.includes('io.containerd.snapshotter')) {
    return {
      kind: 'full',
      reason:
        "the host's engine uses the containerd image store, where loading a stream without the layers it holds is not proven",
    };
  }
  let held = 0;
  for (const chain of records.get('chain') ?? []) {
    held = Math.max(held, sharedPrefix(diffIds, chain.trim().split(',').filter(Boolean)));
  }
  if (held === 0) return { kind: 'full', reason: 'the host holds none of its layers' };
  const above = new Set(diffIds.slice(held));
  const drop = new Set<number>();
  for (let i = 0; i < held; i += 1) if (!above.has(diffIds[i]!)) drop.add(i);
  return { kind: 'diff', held, drop };
}

/** Asks the host; a query that fails on the host (not the connection) means the whole image, with the reason. */
export async function decideLayerDiff(
  shell: RemoteShell,
  diffIds: readonly string[] | undefined,
): Promise<LayerDiffDecision> {
  if (!diffIds?.length) return { kind: 'full', reason: "the image's layer list is unknown" };
  try {
    const r = await shell.run(imageLayersScript(), { timeoutMs: 60_000, maxOutput: 16 * 1024 * 1024 });
    return decideFromRecords(diffIds, r.stdout);
  } catch (e) {
    if ((e as SshError).kind !== 'command') throw e;
    return { kind: 'full', reason: `listing the host's layers failed (${(e as Error).message.split('\n')[0]})` };
  }
}
