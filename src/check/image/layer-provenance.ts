/**
 * Which history entry made each layer. The image config lists one history entry per build step; steps that change
 * no files (ENV, USER, CMD, ...) are marked `empty_layer` and own no layer, the others own the layers in order.
 */

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

export interface LayerHistory {
  /** Index into the image's ordered layers (and `rootfs.diff_ids`). */
  layerIndex: number;
  /** Index into `config.history`. */
  historyIndex: number;
  /** The step that made the layer, e.g. `COPY /src /app # buildkit` or `/bin/sh -c apt-get install ...`. */
  createdBy: string;
}

export interface ConfigWithHistory {
  history?: HistoryEntry[] | null;
  rootfs?: { diff_ids?: string[] | null } | null;
}

/**
 * Layer index → history entry. When the history is shorter than the layer list (squashed or hand-made images)
 * the leftover layers have no entry; when there is no `rootfs`, every non-empty history entry is assumed to own a layer.
 */
export function layerHistory(config: ConfigWithHistory): LayerHistory[] {
  const layerCount = config.rootfs?.diff_ids?.length ?? Number.POSITIVE_INFINITY;
  const out: LayerHistory[] = [];
  let layerIndex = 0;
  (config.history ?? []).forEach((entry, historyIndex) => {
    if (entry.empty_layer === true || layerIndex >= layerCount) return;
    out.push({ layerIndex, historyIndex, createdBy: entry.created_by ?? '' });
    layerIndex += 1;
  });
  return out;
}
