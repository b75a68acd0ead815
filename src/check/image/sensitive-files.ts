/**
 * Files that must not ship in a runtime image: secrets baked in by a `COPY . .` (dotenv files, keys, a `secrets/`
 * tree, cloud credentials), and setuid/setgid programs beyond the few every base distribution carries.
 */
import { basename } from './save-reader/image-path.js';
import type { FileEntry } from './save-reader/types.js';

/** Trees of packages and the distribution's own data: certifi's cacert.pem and CA bundles are public, not secrets. */
const LIBRARY_SEGMENTS = new Set(['site-packages', 'dist-packages', 'node_modules']);
const DISTRIBUTION_TREES = [
  'usr/lib/',
  'usr/share/',
  'usr/include/',
  // Runtimes installed under /usr/local (official python images: test certificates of the standard library).
  'usr/local/lib/',
  'usr/local/share/',
  'etc/ssl/',
  'etc/pki/',
  'etc/ca-certificates/',
];
/** Templates committed on purpose, next to the real `.env`. */
const DOTENV_TEMPLATES = new Set(['.env.example', '.env.sample', '.env.template', '.env.dist']);

/** Whether a path (no leading `/`) looks like a secret someone copied into the image. */
export function isSecretFilePath(path: string): boolean {
  if (DISTRIBUTION_TREES.some((t) => path.startsWith(t))) return false;
  const segments = path.split('/');
  if (segments.some((s) => LIBRARY_SEGMENTS.has(s))) return false;
  const name = basename(path);
  if (segments.slice(0, -1).includes('secrets')) return true;
  if (name === '.env' || (name.startsWith('.env.') && !DOTENV_TEMPLATES.has(name))) return true;
  if (name.endsWith('.pem') || name.endsWith('.key')) return true;
  if (/^id_(rsa|ed25519)/.test(name)) return !name.endsWith('.pub');
  return name === 'credentials.json';
}

const SETUID = 0o4000;
const SETGID = 0o2000;

/** Setuid/setgid programs of Debian, Ubuntu, Alpine and UBI base images (by name): expected, not reported. */
const USUAL_SETUID = new Set([
  'chfn',
  'chsh',
  'chage',
  'expiry',
  'gpasswd',
  'newgrp',
  'passwd',
  'su',
  'mount',
  'umount',
  'wall',
  'write',
  'write.ul',
  'crontab',
  'ssh-agent',
  'ssh-keysign',
  'unix_chkpwd',
  'pam_timestamp_check',
  'userhelper',
  'utempter',
  'newuidmap',
  'newgidmap',
  'ping',
  'ping6',
  'fusermount',
  'fusermount3',
  'dbus-daemon-launch-helper',
  'bbsuid',
]);

/** Whether the mode bits make a regular file setuid or setgid. */
export function isSetuidMode(mode: number): boolean {
  return (mode & (SETUID | SETGID)) !== 0;
}

/** `setuid root, mode 4755`: what a setuid/setgid entry grants. */
export function describeSetuid(entry: FileEntry): string {
  const bits = [
    entry.mode & SETUID ? `setuid uid ${entry.uid}` : '',
    entry.mode & SETGID ? `setgid gid ${entry.gid}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${bits}, mode ${(entry.mode & 0o7777).toString(8)}`;
}

/** A setuid/setgid regular file that is not one of the usual distribution programs. */
export function isUnusualSetuid(entry: FileEntry): boolean {
  const regular = entry.type === 'file' || entry.type === 'contiguous-file' || entry.type === 'link';
  return regular && isSetuidMode(entry.mode) && !USUAL_SETUID.has(basename(entry.path));
}

export const isRegularEntry = (entry: FileEntry) =>
  entry.type === 'file' || entry.type === 'contiguous-file' || entry.type === 'link';
