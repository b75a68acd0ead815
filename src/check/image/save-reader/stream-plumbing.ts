/**
 * Moving bytes from the outer `docker save` tar into the sink that reads each entry, with back-pressure, so a layer
 * is parsed while it flows by and memory stays flat. Node's streams and streamx's (tar-stream's) both fit here.
 */
import { Writable } from 'node:stream';

/** Where one outer entry's bytes go: a layer parser, a JSON buffer, or nowhere. */
export interface Sink {
  write(chunk: Buffer): boolean | Promise<void>;
  end(): Promise<void>;
}

export const discard: Sink = { write: () => true, end: async () => undefined };

/** Buffers a small JSON document up to `cap` bytes; a larger one is only noted, so the error can say so. */
export function jsonSink(path: string, cap: number, into: Map<string, Buffer>, oversized: Set<string>): Sink {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    write(chunk) {
      size += chunk.length;
      if (size <= cap) chunks.push(Buffer.from(chunk));
      return true;
    },
    async end() {
      if (size <= cap) into.set(path, Buffer.concat(chunks));
      else oversized.add(path);
    },
  };
}

/**
 * One outer entry: buffers its first 512 bytes so `choose` can recognise it (compressed layer, tar, JSON), then
 * streams everything to the sink chosen.
 */
export class EntryRouter extends Writable {
  private head: Buffer[] = [];
  private headSize = 0;
  private sink: Sink | undefined;

  constructor(
    private readonly size: number,
    private readonly choose: (head: Buffer) => Sink,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  private route(head: Buffer): Sink {
    this.head = [];
    this.sink = this.choose(head);
    return this.sink;
  }

  private forward(sink: Sink, chunk: Buffer, callback: (error?: Error | null) => void): void {
    try {
      const ok = sink.write(chunk);
      if (ok === true || ok === false) callback();
      else ok.then(() => callback(), callback);
    } catch (err) {
      callback(err as Error);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.sink) {
      this.forward(this.sink, chunk, callback);
      return;
    }
    this.head.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < 512 && this.headSize < this.size) {
      callback();
      return;
    }
    const joined = Buffer.concat(this.head);
    let sink: Sink;
    try {
      sink = this.route(joined);
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.forward(sink, joined, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    let pending: Buffer | undefined;
    if (!this.sink) pending = Buffer.concat(this.head);
    let s: Sink;
    try {
      s = this.sink ?? this.route(pending as Buffer);
    } catch (err) {
      callback(err as Error);
      return;
    }
    const flush = pending && pending.length > 0 ? Promise.resolve(s.write(pending)) : Promise.resolve();
    flush
      .then(() => s.end())
      .then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
  }
}

/** What `feed` needs of a readable. */
export interface ChunkSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** What `feed` needs of a writable. */
export interface ChunkTarget {
  on(event: 'finish', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
  write(chunk: Buffer): boolean;
  end(): unknown;
}

/** Pushes a readable into a writable with back-pressure; resolves when the writable finishes. */
export function feed(source: ChunkSource, target: ChunkTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    source.on('error', fail);
    target.on('error', fail);
    target.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    source.on('data', (chunk: Buffer) => {
      if (!target.write(chunk)) {
        source.pause();
        target.once('drain', () => source.resume());
      }
    });
    source.on('end', () => target.end());
  });
}
