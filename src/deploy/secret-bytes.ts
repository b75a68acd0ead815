/** A secret's value as the bytes to write: UTF-8 text as given, or `base64:` decoded; never silently altered. */
import { DeployInputError } from './input-error.js';

/** Prefix of a secret value given as base64: the only way to carry bytes that are not UTF-8 text. */
export const BASE64_PREFIX = 'base64:';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The exact bytes of a secret. Node decodes the environment as UTF-8 and turns every invalid byte into U+FFFD, so
 * binary bytes arrive already replaced: such a value is refused (never written altered), `base64:` carries them.
 */
export function secretBytes(name: string, envVar: string, text: string): Buffer {
  if (text.startsWith(BASE64_PREFIX)) {
    const b64 = text.slice(BASE64_PREFIX.length).replace(/\s+/g, '');
    if (b64 === '' || !BASE64.test(b64)) {
      throw new DeployInputError(
        `deploy-secrets: ${name} (${envVar}) starts with ${BASE64_PREFIX} but the rest is not valid base64 (A-Z a-z 0-9 + /, padded with =)`,
      );
    }
    return Buffer.from(b64, 'base64');
  }
  if (text.includes('\ufffd')) {
    throw new DeployInputError(
      `deploy-secrets: ${name} (${envVar}) is not valid UTF-8 text (it holds bytes the environment replaced with U+FFFD); ` +
        `give a binary value as ${BASE64_PREFIX}<base64 of the bytes>, e.g. \`${BASE64_PREFIX}$(base64 -w0 file)\``,
    );
  }
  return Buffer.from(text, 'utf8');
}
