/**
 * The layers overlaid, in order, into one tree of the kept entries, with overlay semantics: whiteouts and opaque
 * directories hide what lower layers had; a non-directory written over a directory hides everything below it.
 * The tree is indexed by directory (and by path hash), so each removal costs what it removes, never a scan of all.
 * Lookups follow symlinks as the kernel does, so a PATH directory that is a symlink is read where it points.
 */
import type { KeptEntry, LayerSummary } from './layer-summary.js';
import type { FileContent, FileEntry, RemovedFile } from './types.js';
import { pathHash } from './written-paths.js';

/** Linux's MAXSYMLINKS: more hops than this and the kernel answers ELOOP. */
export const MAX_SYMLINK_HOPS = 40;

interface Node {
  path: string;
  hash: number;
  entry?: KeptEntry;
  children?: Map<string, Node>;
}

const isRegular = (e: FileEntry) => e.type === 'file' || e.type === 'contiguous-file';

function publicEntry(entry: KeptEntry): FileEntry {
  const { data: _data, truncated: _truncated, reported: _reported, ...file } = entry;
  return file;
}

export class FilesystemView {
  private readonly root: Node = { path: '', hash: pathHash('') };
  /** Every node by path hash: a layer's written paths find what they replace without walking the tree. */
  private readonly byHash = new Map<number, Node>();
  /** Reported non-directory entries hidden by a later layer, in the order they were hidden. */
  readonly removed: RemovedFile[] = [];

  /** Applies one layer over the ones applied before it. */
  apply(layer: LayerSummary, layerIndex: number): void {
    // Removals apply to the layers below only: a layer's own entries under an opaque dir stay.
    for (const path of layer.whiteouts) {
      const node = this.find(path);
      if (node) this.detach(node, layerIndex, 'whiteout', true);
    }
    for (const path of layer.opaque) {
      const node = path === '' ? this.root : this.find(path);
      if (node) this.hideChildren(node, layerIndex, 'opaque');
    }
    // Whatever the order the layers streamed in: a non-directory replaces the lower node and all below it...
    for (const hash of layer.written.others) {
      const node = this.byHash.get(hash);
      if (node) this.detach(node, layerIndex, 'replaced', false);
    }
    // ...and a directory replaces a lower non-directory (a symlink to a directory, say) but merges with a directory.
    for (const hash of layer.written.directories) {
      const node = this.byHash.get(hash);
      if (node?.entry && node.entry.type !== 'directory') delete node.entry;
    }
    for (const added of layer.entries.values()) {
      const node = this.ensure(added.path);
      if (added.type !== 'directory') this.hideChildren(node, layerIndex, 'replaced');
      node.entry = { ...added, layerIndex };
    }
  }

  /** Reported entries present at runtime, sorted by path. */
  finalFiles(): FileEntry[] {
    const out: FileEntry[] = [];
    this.walk(this.root, (node) => {
      if (node.entry?.reported) out.push(publicEntry(node.entry));
    });
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The entry a path leads to, following symlinks in every component (and in the last one unless told not to),
   * relative targets from the link's directory, absolute ones from `/`, `..` never above `/`. `undefined` when the
   * path leads nowhere kept, or loops past MAX_SYMLINK_HOPS.
   */
  lookup(path: string, followLast = true): { path: string; entry?: FileEntry } | undefined {
    const node = this.resolve(path, followLast);
    if (!node) return undefined;
    return node.entry ? { path: node.path, entry: publicEntry(node.entry) } : { path: node.path };
  }

  /** The kept entries directly inside a directory, after following symlinks to it. */
  list(dir: string): FileEntry[] {
    const node = this.resolve(dir, true);
    const out: FileEntry[] = [];
    for (const child of node?.children?.values() ?? []) if (child.entry) out.push(publicEntry(child.entry));
    return out;
  }

  /** A wanted file's final bytes, read through symlinks and hard links. */
  contentOf(path: string): FileContent | undefined {
    const entry = this.resolve(path, true)?.entry;
    if (!entry?.data || !(isRegular(entry) || entry.type === 'link')) return undefined;
    return { data: entry.data, truncated: entry.truncated ?? false, layerIndex: entry.layerIndex };
  }

  private resolve(path: string, followLast: boolean): Node | undefined {
    const pending = path.split('/').reverse(); // a stack: the next component is last
    let stack: Node[] = [this.root];
    let hops = 0;
    while (pending.length > 0) {
      const seg = pending.pop() as string;
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const node = (stack.at(-1) as Node).children?.get(seg);
      if (!node) return undefined;
      const entry = node.entry;
      if (entry?.type === 'symlink' && (followLast || pending.some((s) => s !== '' && s !== '.'))) {
        hops += 1;
        if (hops > MAX_SYMLINK_HOPS) return undefined;
        const target = entry.linkTarget ?? '';
        if (target.startsWith('/')) stack = [this.root];
        pending.push(...target.split('/').reverse());
        continue;
      }
      stack.push(node);
    }
    return stack.at(-1);
  }

  private find(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const seg of path.split('/')) {
      node = node.children?.get(seg);
      if (!node) return undefined;
    }
    return node;
  }

  private ensure(path: string): Node {
    let node = this.root;
    let at = 0;
    while (at < path.length) {
      const slash = path.indexOf('/', at);
      const end = slash === -1 ? path.length : slash;
      const seg = path.slice(at, end);
      // Something below a non-directory means it is a directory now (a hand-made tar may skip the dir entry).
      if (node.entry && node.entry.type !== 'directory') delete node.entry;
      node.children ??= new Map();
      let child = node.children.get(seg);
      if (!child) {
        const childPath = path.slice(0, end);
        child = { path: childPath, hash: pathHash(childPath) };
        node.children.set(seg, child);
        this.byHash.set(child.hash, child);
      }
      node = child;
      at = end + 1;
    }
    return node;
  }

  /** Removes a node and everything below it; its own entry counts as removed only for a whiteout. */
  private detach(node: Node, layerIndex: number, removedBy: RemovedFile['removedBy'], removeSelf: boolean): void {
    const parentPath = node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) : '';
    const parent = parentPath === '' ? this.root : this.find(parentPath);
    parent?.children?.delete(node.path.slice(node.path.lastIndexOf('/') + 1));
    this.byHash.delete(node.hash);
    if (removeSelf && node.entry) this.recordRemoved(node.entry, layerIndex, removedBy);
    this.hideChildren(node, layerIndex, removedBy);
  }

  private hideChildren(node: Node, layerIndex: number, removedBy: RemovedFile['removedBy']): void {
    if (!node.children) return;
    for (const child of node.children.values()) {
      this.walk(child, (n) => {
        this.byHash.delete(n.hash);
        if (n.entry) this.recordRemoved(n.entry, layerIndex, removedBy);
      });
    }
    delete node.children;
  }

  private recordRemoved(entry: KeptEntry, layerIndex: number, removedBy: RemovedFile['removedBy']): void {
    if (!entry.reported || entry.type === 'directory') return;
    this.removed.push({ ...publicEntry(entry), removedInLayer: layerIndex, removedBy, wastedBytes: entry.size });
  }

  /** Pre-order, children in the order they were added; iterative so deep trees cannot overflow the stack. */
  private walk(start: Node, visit: (node: Node) => void): void {
    const stack: Node[] = [start];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      visit(node);
      if (!node.children) continue;
      const children = [...node.children.values()];
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i] as Node);
    }
  }
}

/** Applies the layers in order (0 = base) and returns the runtime view. */
export function overlayLayers(layers: readonly LayerSummary[]): FilesystemView {
  const view = new FilesystemView();
  for (const [index, layer] of layers.entries()) view.apply(layer, index);
  return view;
}
