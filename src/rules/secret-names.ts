/**
 * Names that say "this is a credential", shared by the Dockerfile ARG/ENV rule and the Compose environment rules.
 * A `*_FILE` / `*_PATH` / `*_DIR` name points at a secret file: that is the fix, not the problem.
 */
const SECRET_KEY =
  /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|CLIENT_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|(^|_)KEY$)/i;
const SECRET_POINTER = /_(FILE|PATH|DIR)$/i;

export function isSecretLikeKey(key: string): boolean {
  return SECRET_KEY.test(key) && !SECRET_POINTER.test(key);
}

/** `scheme://user:password@host`: a credential inside a URL, whatever the key. */
export function hasUrlCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value);
}
