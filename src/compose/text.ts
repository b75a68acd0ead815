/**
 * Text files read strictly as UTF-8. Node's 'utf8' decoding would quietly turn a bad byte into U+FFFD, so the
 * check would judge values nobody wrote; a fatal decoder refuses the file instead, naming the first bad byte.
 */
import { ComposeInputError } from './issues.js';
import type { ComposeRuleId } from '../rules/rule-ids.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Decodes `bytes` read from `file`; throws one ComposeInputError at the first invalid byte (`why`: the consequence). */
export function decodeUtf8(bytes: Uint8Array, file: string, what: string, ruleId: ComposeRuleId, why: string): string {
  try {
    return fatal.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++)
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    throw new ComposeInputError(`${what} ${file} is not valid UTF-8 (byte ${at + 1}, line ${line}): ${why}`, ruleId, {
      file,
      line,
      column: at - lineStart + 1,
    });
  }
}

/** The offset of the first byte of the first character that is not valid UTF-8. */
function firstInvalidByte(bytes: Uint8Array): number {
  const decodes = (n: number, stream: boolean): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream });
      return true;
    } catch {
      return false;
    }
  };
  // The longest prefix that decodes when a character cut off at its end still counts as pending.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (decodes(mid, true)) lo = mid;
    else hi = mid - 1;
  }
  if (decodes(lo, false)) return lo;
  // A character was pending at `lo`: the bad one starts at its lead byte.
  let at = lo;
  while (at > 0 && lo - at < 3 && (bytes[at - 1]! & 0xc0) >= 0x80) {
    at--;
    if ((bytes[at]! & 0xc0) === 0xc0) break;
  }
  return at;
}
