/**
 * Where a compose host keeps secret files, and how a release names them: outside the releases, in
 * `deploy-path/.deploy-action-secrets/`, each file named for a keyed hash of its value and owner. The pinning
 * override points each compose secret's `file:` there and labels every service that uses it with the same hash, so
 * Compose's config hash (which leaves a secret's file out) changes exactly when the value does: an unchanged secret
 * keeps its path and its containers, a rotated one recreates only its services. The key is random, made once per
 * deploy-path on the host (0600): the hashes, which anyone with docker access sees in labels, cannot test guesses.
 */
import { createHash, createHmac } from 'node:crypto';
import { stringify } from 'yaml';
import type { PlannedFile, PlannedSecret } from '../plan-model.js';
import { remoteJoin } from '../remote/script.js';

export const SECRET_STORE = '.deploy-action-secrets';
export const SECRET_LABEL_PREFIX = 'deploy-action.secret.';
/** 128 bits of the HMAC: enough to tell values apart, short enough for a file name and a label. */
const HASH_HEX = 32;
export const STORED_SECRET_NAME = /^[A-Za-z0-9_.-]{1,200}\.[0-9a-f]{32}$/;

/** The host's key as the store script prints it (64 hex characters); anything else is refused, never used. */
export function parseStoreKey(text: string | undefined): Buffer {
  if (!text || !/^[0-9a-f]{64}$/.test(text)) {
    throw new Error(
      `${SECRET_STORE}/key on the host is not 64 hex characters; remove it so the next deploy makes a new one ` +
        '(every service using a secret is then recreated once)',
    );
  }
  return Buffer.from(text, 'hex');
}

/** HMAC-SHA256 of the owner and the value: a new owner is a new file too (the old one is owned wrongly). */
export function secretHash(key: Buffer, owner: { uid: number; gid: number }, value: Buffer): string {
  return createHmac('sha256', key).update(`${owner.uid}:${owner.gid}\0`).update(value).digest('hex').slice(0, HASH_HEX);
}

export interface PlacedSecret {
  name: string;
  services: readonly string[];
  value: Buffer;
  hash: string;
  /** The file's name in the store (`db_password.<hash>`). */
  fileName: string;
  /** Its absolute path on the host (what the override's `file:` says). */
  absPath: string;
}

export function placeSecrets(
  secrets: readonly PlannedSecret[],
  storeAbs: string,
  key: Buffer,
  owner: { uid: number; gid: number },
): PlacedSecret[] {
  return secrets.map((s) => {
    const hash = secretHash(key, owner, s.value);
    const fileName = `${s.name}.${hash}`;
    return {
      name: s.name,
      services: s.services,
      value: s.value,
      hash,
      fileName,
      absPath: remoteJoin(storeAbs, fileName),
    };
  });
}

/** The override deploy-action adds last to the `-f` list: pinned images, and (per host) the secrets' files and labels. */
export function renderOverride(pinned: Readonly<Record<string, string>>, placed: readonly PlacedSecret[] = []): string {
  const services: Record<string, { image?: string; labels?: Record<string, string> }> = {};
  for (const [svc, image] of Object.entries(pinned)) services[svc] = { image };
  for (const p of placed) {
    for (const svc of p.services) {
      const entry = services[svc] ?? {};
      entry.labels = { ...entry.labels, [`${SECRET_LABEL_PREFIX}${p.name}`]: p.hash };
      services[svc] = entry;
    }
  }
  const doc: Record<string, unknown> = { services };
  if (placed.length) doc['secrets'] = Object.fromEntries(placed.map((p) => [p.name, { file: p.absPath }]));
  return (
    '# Written by deploy-action: the services built from the Dockerfile run the delivered image; each secret is a\n' +
    '# file in the host secret store, and the services using it carry its keyed hash (a new value recreates them).\n' +
    stringify(doc)
  );
}

export interface ReleaseIdentity {
  version: string;
  project: string;
  composeFiles: readonly string[];
  files: readonly PlannedFile[];
  imageId: string;
  owner: { uid: number; gid: number };
  placed: readonly PlacedSecret[];
}

/**
 * What makes two releases the same: the files as uploaded, the image id, the owner and the secrets' keyed hashes.
 * Keyed too, so the manifest (which anyone reading the release may see) cannot test guesses of the env file.
 */
export function releaseDigest(key: Buffer, r: ReleaseIdentity): string {
  const h = createHmac('sha256', key);
  const field = (s: string) => h.update(`${Buffer.byteLength(s)}:${s}\n`);
  field('deploy-action release v1');
  field(r.version);
  field(r.project);
  for (const f of r.composeFiles) field(`-f ${f}`);
  for (const f of [...r.files].sort((a, b) => a.relativePath.localeCompare(b.relativePath))) {
    field(`${f.relativePath} ${f.mode} ${createHash('sha256').update(f.content).digest('hex')}`);
  }
  field(r.imageId);
  field(`${r.owner.uid}:${r.owner.gid}`);
  for (const p of [...r.placed].sort((a, b) => a.name.localeCompare(b.name))) field(`${p.name} ${p.fileName}`);
  return h.digest('hex');
}
