/**
 * The overlay's worst case as `npm run bench` times it: a base layer with N `.../bin/gcc` entries (one directory
 * each) and a second layer that whites out and replaces some of them, read from memory with no engine involved.
 * Prints one JSON line per N with the reader's time: growth must stay linear (the overlay is indexed by directory).
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { buildToolMatcher } from '../src/check/image/build-tools.js';
import { readSavedImage } from '../src/check/image/saved-image.js';

type Entry = { name: string; body?: string | Buffer; mode?: number };

/** Packs entries one at a time: queueing 160k at once makes tar-stream's pending queue quadratic. */
async function pack(entries: Iterable<Entry>): Promise<Buffer> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body ?? '', (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  return done;
}

function every<T>(from: number, to: number, step: number, make: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = from; i < to; i += step) out.push(make(i));
  return out;
}

/** A legacy save with a base of `count` compilers and a top layer removing every tenth and opaquing every hundredth. */
export async function overlayWorstCase(count: number): Promise<Buffer> {
  const base = await pack(every(0, count, 1, (i) => ({ name: `opt/t${i}/bin/gcc`, mode: 0o755 })));
  const top = await pack([
    ...every(0, count, 10, (i) => ({ name: `opt/t${i}/bin/.wh.gcc` })),
    ...every(5, count, 100, (i) => ({ name: `opt/t${i}/.wh..wh..opq` })),
  ]);
  const config = { config: { User: '' }, rootfs: { type: 'layers', diff_ids: ['sha256:a', 'sha256:b'] } };
  const manifest = [{ Config: 'c.json', Layers: ['a/layer.tar', 'b/layer.tar'] }];
  return pack([
    { name: 'c.json', body: JSON.stringify(config) },
    { name: 'a/layer.tar', body: base },
    { name: 'b/layer.tar', body: top },
    { name: 'manifest.json', body: JSON.stringify(manifest) },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const matcher = buildToolMatcher();
  for (const arg of process.argv.slice(2)) {
    const count = Number(arg);
    const saved = await overlayWorstCase(count);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const image = await readSavedImage(Readable.from([saved]), { isInteresting: (p) => matcher.isInteresting(p) });
    const { user, system } = process.cpuUsage(cpu);
    const result = {
      entries: count,
      readerMs: Math.round(performance.now() - started),
      readerCpuMs: Math.round((user + system) / 1000),
      finalFiles: image.finalFiles.length,
      removed: image.removedFiles.length,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
