/**
 * A small tar built in memory (a release's files, a deploy's secret files): what a remote `tar -x` or `docker cp -`
 * reads from stdin. Entries are dated at the epoch so the same files always make the same bytes.
 */
import tar from 'tar-stream';

export interface TarEntryHeader {
  name: string;
  mode: number;
  type?: 'file';
  uid?: number;
  gid?: number;
}

export function tarBuffer(entries: ReadonlyArray<{ header: TarEntryHeader; body: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) pack.entry({ ...e.header, mtime: new Date(0) }, e.body);
  pack.finalize();
  return done;
}
