/**
 * Input `deploy-secrets`: compose secret names mapped to environment variables of the step. The values are read from
 * the environment, never from the input text; each name becomes a file name on the host.
 */
import { inputLines } from './host-address.js';
import { DeployInputError } from './input-error.js';
import type { Env, GetInput } from './inputs.js';
import { secretBytes } from './secret-bytes.js';

export interface SecretInput {
  /** The compose top-level secret name. */
  name: string;
  /** The environment variable of the step that holds the value. */
  envVar: string;
  /** The bytes written to the host: the UTF-8 text of the variable, or the decoded bytes of a `base64:` value. */
  value: Buffer;
  /** The variable's text as the step holds it (masked in the log, like the value). */
  given: string;
}

export { BASE64_PREFIX } from './secret-bytes.js';

const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A secret name becomes a file name on the host: no separators, no traversal, no hidden names. */
export function checkSecretName(name: string, input = 'deploy-secrets'): void {
  if (!SECRET_NAME.test(name) || name.includes('..')) {
    throw new DeployInputError(
      `${input}: "${name}" is not a valid secret name (letters, digits, '_', '-', '.'; no '/', no '..')`,
    );
  }
}

export function parseSecrets(text: string, env: Env): SecretInput[] {
  const out: SecretInput[] = [];
  for (const line of inputLines(text)) {
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new DeployInputError(`deploy-secrets: "${line}" is not \`compose_secret_name=ENV_VAR_NAME\``);
    }
    const name = line.slice(0, eq).trim();
    const envVar = line.slice(eq + 1).trim();
    checkSecretName(name);
    if (!ENV_NAME.test(envVar)) {
      throw new DeployInputError(
        `deploy-secrets: "${envVar}" (for ${name}) is not an environment variable name; the value itself never goes in this input, ` +
          'put it in the step env (e.g. `env: DB_PASSWORD: ${{ secrets.DB_PASSWORD }}`)',
      );
    }
    if (out.some((s) => s.name === name)) throw new DeployInputError(`deploy-secrets: ${name} is listed twice`);
    const value = env[envVar];
    if (value === undefined || value === '') {
      throw new DeployInputError(
        `deploy-secrets: ${name} reads the environment variable ${envVar}, which is unset or empty in this step`,
      );
    }
    out.push({ name, envVar, value: secretBytes(name, envVar, value), given: value });
  }
  return out;
}

/**
 * `secrets` was this input's name until it was renamed `deploy-secrets` (so `secrets` means build secrets, as in
 * docker/build-push-action). A workflow not yet changed still passes `compose_secret_name=ENV_VAR_NAME` lines there;
 * a build secret is `id=value`, and a value that names a variable set in this step, or is a SHOUTING_CASE name, is
 * far likelier the old mapping than a real secret. Only asked when `deploy-secrets` is empty.
 */
export function looksLikeOldSecretsInput(text: string, env: Env): boolean {
  const lines = inputLines(text);
  if (lines.length === 0) return false;
  return lines.every((line) => {
    const eq = line.indexOf('=');
    if (eq <= 0 || !SECRET_NAME.test(line.slice(0, eq).trim())) return false;
    const value = line.slice(eq + 1).trim();
    return ENV_NAME.test(value) && (env[value] !== undefined || /^[A-Z][A-Z0-9_]*$/.test(value));
  });
}

/** Input `deploy-secrets`, with the clear error a workflow still using the old name `secrets` gets. */
export function readDeploySecrets(getInput: GetInput, env: Env): SecretInput[] {
  const text = getInput('deploy-secrets') ?? '';
  if (inputLines(text).length === 0 && looksLikeOldSecretsInput(getInput('secrets') ?? '', env)) {
    throw new DeployInputError(
      'secrets: this input was renamed `deploy-secrets` (the `compose_secret_name=ENV_VAR_NAME` lines); `secrets` now takes build secrets (`id=value`, as docker/build-push-action). Rename the input in the workflow.',
    );
  }
  return parseSecrets(text, env);
}
