import { createHmac, randomBytes } from 'node:crypto';
import { utils } from 'ssh2';
import {
  fingerprint,
  hostKeyAlgorithms,
  keyTypeOf,
  parseKnownHosts,
  patternsMatch,
  pinsForHost,
  verifyHostKey,
} from '../../src/deploy/ssh/known-hosts.js';

function edKey(): { line: string; blob: Buffer } {
  const pub = utils.generateKeyPairSync('ed25519').public; // `ssh-ed25519 AAAA...`
  const [type, b64] = pub.split(' ') as [string, string];
  return { blob: Buffer.from(b64, 'base64'), line: `${type} ${b64}` };
}

const k1 = edKey();
const k2 = edKey();

test('fingerprints are OpenSSH SHA256 (unpadded base64 of the blob digest)', () => {
  expect(fingerprint(k1.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  expect(keyTypeOf(k1.blob)).toBe('ssh-ed25519');
});

test('plain, [host]:port, wildcard, negated and hashed entries', () => {
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64')}`;
  const entries = parseKnownHosts(
    [
      '# comment',
      `deploy.example.com,10.0.0.4 ${k1.line}`,
      `[127.0.0.1]:2222 ${k1.line} comment`,
      `${hashed} ${k2.line}`,
      `*.prod.example,!bad.prod.example ${k2.line}`,
      `@revoked old.example ${k2.line}`,
    ].join('\n'),
  );
  expect(entries).toHaveLength(5);
  expect(pinsForHost(entries, 'deploy.example.com', 22).accepted.map((e) => e.line)).toEqual([2]);
  expect(pinsForHost(entries, 'deploy.example.com', 2200).accepted).toEqual([]);
  expect(pinsForHost(entries, '127.0.0.1', 2222).accepted.map((e) => e.line)).toEqual([3]);
  expect(pinsForHost(entries, '127.0.0.1', 22).accepted).toEqual([]);
  expect(pinsForHost(entries, '10.0.0.5', 2222).accepted.map((e) => e.line)).toEqual([4]);
  expect(patternsMatch('*.prod.example,!bad.prod.example', 'web.prod.example', 22)).toBe(true);
  expect(patternsMatch('*.prod.example,!bad.prod.example', 'bad.prod.example', 22)).toBe(false);
  expect(pinsForHost(entries, 'old.example', 22)).toMatchObject({ accepted: [], revoked: [{ line: 6 }] });
});

test('verification: the pinned key passes; another key is refused with both fingerprints; revoked is refused', () => {
  const pins = pinsForHost(parseKnownHosts(`[127.0.0.1]:2222 ${k1.line}`), '127.0.0.1', 2222);
  expect(verifyHostKey(pins, k1.blob, '[127.0.0.1]:2222')).toEqual({ ok: true });
  const bad = verifyHostKey(pins, k2.blob, '[127.0.0.1]:2222');
  expect(bad.ok).toBe(false);
  const reason = (bad as { reason: string }).reason;
  expect(reason).toContain(`expects ssh-ed25519 ${fingerprint(k1.blob)} (line 1)`);
  expect(reason).toContain(`offered ssh-ed25519 ${fingerprint(k2.blob)}`);
  expect(reason).toContain('Refused before authentication');
  const revoked = pinsForHost(parseKnownHosts(`h ${k1.line}\n@revoked h ${k1.line}`), 'h', 22);
  expect(verifyHostKey(revoked, k1.blob, 'h')).toMatchObject({
    ok: false,
    reason: expect.stringContaining('@revoked'),
  });
});

test('host key algorithms follow the pinned types, so the server shows a pinned kind of key', () => {
  const pins = pinsForHost(parseKnownHosts(`h ${k1.line}\nh ssh-rsa ${rsaBlob()}`), 'h', 22);
  expect(hostKeyAlgorithms(pins)).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
});

test('malformed lines are refused with their line number', () => {
  expect(() => parseKnownHosts('host ssh-ed25519')).toThrow(
    'ssh-known-hosts line 1: expected `host key-type base64-key`',
  );
  expect(() => parseKnownHosts(`\nhost ssh-dss AAAA`)).toThrow(/line 2: key type ssh-dss is not supported/);
  expect(() => parseKnownHosts(`host ssh-rsa ${k1.line.split(' ')[1]}`)).toThrow(
    /line 1: the key is not valid base64 of a ssh-rsa public key/,
  );
  expect(() => parseKnownHosts(`@cert-authority *.example ${k1.line}`)).toThrow(
    /@cert-authority lines are not supported/,
  );
});

function rsaBlob(): string {
  return utils.generateKeyPairSync('rsa', { bits: 1024 }).public.split(' ')[1]!;
}
