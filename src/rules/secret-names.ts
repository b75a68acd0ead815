/**
 * Names that say "this is a credential", shared by the Dockerfile ARG/ENV rule and the Compose environment rules.
 * A name is read as words (`_`, `-`, `.` and camelCase separate them), so `GITHUB_TOKEN` is a credential and
 * `TOKENIZERS_PARALLELISM` or `TIKTOKEN_ENCODING_NAME` are not. A `*_FILE` / `*_PATH` / `*_DIR` name points at a
 * secret file: that is the fix, not the problem. A name with a measure word (`MAX_TOKENS`, `PASSWORD_MIN_LENGTH`,
 * `ACCESS_TOKEN_EXPIRE_MINUTES`) is a setting about a credential or a count of LLM tokens, and one with a switch word
 * (`ALLOW_EMPTY_PASSWORD=yes`, `MYSQL_RANDOM_ROOT_PASSWORD`) turns a credential on or off: neither is a credential.
 */

/** Words that are a credential on their own; a word ending in one of the first five counts too (`DBPASSWORD`). */
const SUFFIX_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'credential'];
const WHOLE_WORDS = new Set([
  'token',
  'apikey',
  'privatekey',
  'accesskey',
  'authkey',
  'clientkey',
  'signingkey',
  'encryptionkey',
  'secretkey',
]);
/** `<word>_KEY` pairs that name a key (a name that merely ends in `KEY` counts as well). */
const KEY_QUALIFIERS = new Set(['api', 'private', 'access', 'auth', 'client', 'signing', 'encryption', 'secret']);
const POINTERS = new Set(['file', 'path', 'dir']);
const MEASURES = new Set([
  'max',
  'min',
  'num',
  'count',
  'total',
  'limit',
  'length',
  'len',
  'size',
  'budget',
  'ttl',
  'lifetime',
  'timeout',
  'expire',
  'expiry',
  'expiration',
  'seconds',
  'minutes',
  'hours',
  'days',
  'age',
]);
const SWITCHES = new Set(['allow', 'empty', 'random', 'enable', 'enabled', 'disable', 'disabled', 'require', 'skip']);

/** The words of a name, lower-cased: `AWS_SECRET_ACCESS_KEY` → aws secret access key, `dbPassword` → db password. */
export function nameWords(key: string): string[] {
  return key
    .split(/[^A-Za-z0-9]+/)
    .flatMap((part) => part.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function isCredentialWord(word: string): boolean {
  const singular = word.endsWith('s') ? word.slice(0, -1) : word;
  return WHOLE_WORDS.has(singular) || SUFFIX_WORDS.some((w) => singular.endsWith(w));
}

export function isSecretLikeKey(key: string): boolean {
  const words = nameWords(key);
  if (words.length === 0 || POINTERS.has(words.at(-1)!)) return false;
  if (words.some((w) => MEASURES.has(w) || SWITCHES.has(w))) return false;
  if (words.some(isCredentialWord)) return true;
  if (words.at(-1) === 'key') return true;
  return words.some((w, i) => w === 'key' && KEY_QUALIFIERS.has(words[i - 1] ?? ''));
}

/** `scheme://user:password@host`: a credential inside a URL, whatever the key. */
export function hasUrlCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value);
}
