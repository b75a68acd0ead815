/**
 * known_hosts lines, as OpenSSH writes them: plain, `[host]:port` and hashed (`|1|salt|hash`) patterns, wildcards,
 * negation, and the @revoked marker. Keys are compared by type and blob; fingerprints are OpenSSH's `SHA256:`.
 */
import { createHash, createHmac } from 'node:crypto';
import { DeployInputError } from '../inputs.js';

export interface KnownHostKey {
  /** The comma-separated host patterns of the line, as written. */
  patterns: string;
  keyType: string;
  key: Buffer;
  revoked: boolean;
  /** 1-based line in ssh-known-hosts. */
  line: number;
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

/** The key type stored inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's `SHA256:` fingerprint: unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseKnownHosts(text: string, input = 'ssh-known-hosts'): KnownHostKey[] {
  const out: KnownHostKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@revoked') revoked = true;
      else if (marker === '@cert-authority') {
        throw new DeployInputError(
          `${input} line ${i + 1}: @cert-authority lines are not supported; pin the host keys themselves`,
        );
      } else throw new DeployInputError(`${input} line ${i + 1}: unknown marker ${marker}`);
    }
    const [patterns, keyType, b64] = fields;
    if (!patterns || !keyType || !b64) {
      throw new DeployInputError(`${input} line ${i + 1}: expected \`host key-type base64-key\` (a known_hosts line)`);
    }
    if (!KEY_TYPES.has(keyType)) {
      throw new DeployInputError(
        `${input} line ${i + 1}: key type ${keyType} is not supported (${[...KEY_TYPES].join(', ')})`,
      );
    }
    const key = Buffer.from(b64, 'base64');
    if (
      key.length === 0 ||
      key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '') ||
      keyTypeOf(key) !== keyType
    ) {
      throw new DeployInputError(`${input} line ${i + 1}: the key is not valid base64 of a ${keyType} public key`);
    }
    out.push({ patterns, keyType, key, revoked, line: i + 1 });
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchOne(pattern: string, names: string[]): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const saltBuf = Buffer.from(salt, 'base64');
    return names.some((n) => createHmac('sha1', saltBuf).update(n).digest('base64') === hash);
  }
  const re = globToRegExp(pattern);
  return names.some((n) => re.test(n));
}

/** Does a line's pattern list match this host? A matching negated pattern wins, as in OpenSSH. */
export function patternsMatch(patterns: string, host: string, port: number): boolean {
  const names = port === 22 ? [host, `[${host}]:22`] : [hostKeyName(host, port)];
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (matchOne(p.slice(1), names)) return false;
    } else if (matchOne(p, names)) matched = true;
  }
  return matched;
}

export interface HostKeyPins {
  accepted: KnownHostKey[];
  revoked: KnownHostKey[];
}

export function pinsForHost(entries: readonly KnownHostKey[], host: string, port: number): HostKeyPins {
  const matching = entries.filter((e) => patternsMatch(e.patterns, host, port));
  return { accepted: matching.filter((e) => !e.revoked), revoked: matching.filter((e) => e.revoked) };
}

/** The host key algorithms to offer, so the server presents a key of a pinned type. */
export function hostKeyAlgorithms(pins: HostKeyPins): string[] {
  const algos = new Set<string>();
  for (const k of pins.accepted) {
    if (k.keyType === 'ssh-rsa') for (const a of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) algos.add(a);
    else algos.add(k.keyType);
  }
  return [...algos];
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

export function verifyHostKey(pins: HostKeyPins, offered: Buffer, name: string): HostKeyVerdict {
  if (pins.revoked.some((k) => k.key.equals(offered))) {
    return {
      ok: false,
      reason: `${name} offered ${keyTypeOf(offered)} ${fingerprint(offered)}, which ssh-known-hosts marks @revoked`,
    };
  }
  if (pins.accepted.some((k) => k.key.equals(offered))) return { ok: true };
  const expected = pins.accepted.map((k) => `${k.keyType} ${fingerprint(k.key)} (line ${k.line})`).join(', ');
  return {
    ok: false,
    reason:
      `host key mismatch for ${name}: ssh-known-hosts expects ${expected || 'no key'}, ` +
      `the server offered ${keyTypeOf(offered)} ${fingerprint(offered)}. Refused before authentication. ` +
      'If the host was rebuilt, check the new fingerprint out of band and update ssh-known-hosts; otherwise this may be an attack.',
  };
}
