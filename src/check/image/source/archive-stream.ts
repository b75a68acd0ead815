/**
 * The bytes of an image on disk as one tar stream for the saved-image reader, with no engine: an archive file as it
 * is (gunzipped when it starts with gzip's magic), or an OCI layout directory packed entry by entry as it is read.
 * Nothing is extracted or written to disk.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { UserFacingError } from '../../../findings/finding.js';
import type { ArchiveKind } from './image-source.js';

function notFound(label: string, what: string): UserFacingError {
  return new UserFacingError(`Input 'image' is ${label}, but ${what}.`, 'DA-INP-020');
}

function unreadable(label: string, why: string): UserFacingError {
  return new UserFacingError(`Input 'image' is ${label}, which cannot be read: ${why}.`, 'DA-INP-021');
}

async function statOf(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Opens the image named by an archive-kind `image` input as one tar stream. */
export async function openArchive(kind: ArchiveKind, file: string, label: string): Promise<Readable> {
  const stat = await statOf(file);
  if (!stat) throw notFound(label, `${file} does not exist`);
  if (kind === 'oci-layout') {
    if (!stat.isDirectory()) throw unreadable(label, `${file} is not a directory (an archive? use oci-archive:)`);
    return packLayout(file, label);
  }
  if (!stat.isFile()) throw unreadable(label, `${file} is not a regular file`);
  return fileStream(file);
}

async function fileStream(file: string): Promise<Readable> {
  const head = Buffer.alloc(2);
  const handle = await open(file, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const raw = createReadStream(file);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return raw;
  // `docker save | gzip`: a read error or a truncated gzip reaches the reader as the stream's error.
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** The regular files of the layout that a reader may need, as tar entry names: top-level JSON and blobs. */
async function layoutFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const top of await readdir(dir, { withFileTypes: true })) {
    if (top.isFile() && (top.name.endsWith('.json') || top.name === 'oci-layout')) names.push(top.name);
  }
  const blobs = path.join(dir, 'blobs');
  let algorithms: Dirent[] = [];
  try {
    algorithms = await readdir(blobs, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const algorithm of algorithms) {
    if (!algorithm.isDirectory()) continue;
    for (const blob of await readdir(path.join(blobs, algorithm.name), { withFileTypes: true })) {
      // Symlinks are not followed: a layout is written whole by one tool, and a link could lead anywhere.
      if (blob.isFile()) names.push(`blobs/${algorithm.name}/${blob.name}`);
    }
  }
  return names;
}

/** Writes one file into a tar-stream entry with back-pressure, and waits for the entry to be taken. */
async function packFile(pack: tar.Pack, name: string, file: string): Promise<void> {
  const { size } = await lstat(file);
  let finished!: (error?: Error | null) => void;
  const taken = new Promise<void>((ok, fail) => {
    finished = (error) => (error ? fail(error) : ok());
  });
  const entry = pack.entry({ name, size, mode: 0o644 }, finished);
  for await (const chunk of createReadStream(file)) {
    if (!entry.write(chunk as Buffer)) await new Promise<void>((ok) => entry.once('drain', () => ok()));
  }
  entry.end(null);
  await taken;
}

async function packLayout(dir: string, label: string): Promise<Readable> {
  const names = await layoutFiles(dir);
  if (!names.includes('index.json')) throw unreadable(label, `${dir} has no index.json (not an OCI layout)`);
  const pack = tar.pack();
  (async () => {
    for (const name of names) await packFile(pack, name, path.join(dir, name));
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  return pack as unknown as Readable;
}
