/**
 * The manifest a release carries on the host (`.deploy-action.json`), read back for the rollback. The host is not
 * trusted with it: whoever can write the deploy directory could point a rollback at any compose project, so every
 * field is held to the grammar the deploy itself writes (project name, compose files inside the release, version by
 * the tag grammar) before it steers anything or reaches the log.
 */
import { hostWord } from '../../util/host-text.js';
import { isVersion } from '../version.js';
import { parseFacts, type ReleaseFacts } from './release-changes.js';
import { STORED_SECRET_NAME } from './secret-store.js';

export interface ReleaseManifest {
  version: string;
  project: string;
  composeFiles: string[];
  image: string;
  deployedAt: string;
  /** Keyed digest of what the release is (files, image id, owner, secrets): equal digests, nothing to do. */
  digest?: string;
  /** The secret store files the release's override names (kept while the release is). */
  secretFiles?: string[];
  /** Names-only facts of the rendered model (environment keys with keyed hashes, limits), to say what changed. */
  facts?: ReleaseFacts;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SAFE_TEXT = /^[\u0020-\u007e]{0,300}$/;

/** A path relative to the release directory and inside it: no leading `/`, no `.`/`..` segment, printable. */
export function isInsideRelease(p: unknown): p is string {
  return (
    typeof p === 'string' &&
    p !== '' &&
    !p.startsWith('/') &&
    /^[A-Za-z0-9_.@+\-/ ]{1,300}$/.test(p) &&
    p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
  );
}

export type ManifestReading = { ok: true; manifest: ReleaseManifest } | { ok: false; problem: string };

export function parseManifest(text: string): ManifestReading {
  let m: Record<string, unknown>;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, problem: 'it is not an object' };
    m = v as Record<string, unknown>;
  } catch {
    return { ok: false, problem: 'it is not JSON' };
  }
  const bad = (field: string) => ({
    ok: false as const,
    problem: `its ${field} ${hostWord(JSON.stringify(m[field]) ?? 'undefined').slice(0, 120)} is not valid`,
  });
  if (!isVersion(m.version)) return bad('version');
  if (typeof m.project !== 'string' || !PROJECT_NAME.test(m.project)) return bad('project');
  const files = m.composeFiles;
  if (!Array.isArray(files) || files.length === 0 || files.length > 20 || !files.every(isInsideRelease)) {
    return bad('composeFiles');
  }
  const text_ = (v: unknown) => (typeof v === 'string' && SAFE_TEXT.test(v) ? v : '');
  // Optional (older releases lack them); a malformed one is dropped: the release then never counts as unchanged.
  const digest = typeof m.digest === 'string' && /^[0-9a-f]{64}$/.test(m.digest) ? m.digest : undefined;
  const stored = m.secretFiles;
  const secretFiles =
    Array.isArray(stored) &&
    stored.length <= 100 &&
    stored.every((f) => typeof f === 'string' && STORED_SECRET_NAME.test(f))
      ? (stored as string[])
      : undefined;
  return {
    ok: true,
    manifest: {
      version: m.version,
      project: m.project,
      composeFiles: [...files],
      image: text_(m.image),
      deployedAt: text_(m.deployedAt),
      ...(digest ? { digest } : {}),
      ...(secretFiles ? { secretFiles: [...secretFiles] } : {}),
      ...(parseFacts(m.facts) ? { facts: parseFacts(m.facts)! } : {}),
    },
  };
}
