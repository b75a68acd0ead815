/**
 * Turns a `docker save` archive into an OCI image layout, as buildx `--output type=oci,dest=DIR,tar=false` writes
 * one: the test bed's buildx uses the docker driver, which cannot export OCI. Blobs keep their bytes, so the config
 * digest is the engine's image ID.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';

async function entriesOf(archive: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') entries.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    createReadStream(archive)
      .on('error', reject)
      .pipe(extract as unknown as NodeJS.WritableStream);
  });
  return entries;
}

/** Writes the layout into `dir`; returns the config digest. */
export async function ociLayoutFromSave(
  archive: string,
  dir: string,
  platform = { os: 'linux', architecture: 'amd64' },
): Promise<string> {
  const entries = await entriesOf(archive);
  const [manifest] = JSON.parse((entries.get('manifest.json') as Buffer).toString()) as Array<{
    Config: string;
    Layers: string[];
  }>;
  await mkdir(path.join(dir, 'blobs/sha256'), { recursive: true });
  const blob = async (data: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(data).digest('hex');
    await writeFile(path.join(dir, 'blobs/sha256', hex), data);
    return { mediaType, digest: `sha256:${hex}`, size: data.length };
  };
  const config = await blob(entries.get(manifest!.Config) as Buffer, 'application/vnd.oci.image.config.v1+json');
  const layers = [];
  for (const layer of manifest!.Layers)
    layers.push(await blob(entries.get(layer) as Buffer, 'application/vnd.oci.image.layer.v1.tar'));
  const image = await blob(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }),
    ),
    'application/vnd.oci.image.manifest.v1+json',
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...image, platform }],
  };
  await writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return config.digest;
}
