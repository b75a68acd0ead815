/**
 * The build inputs named and read as docker/build-push-action names and reads them (its context.ts): `secrets`
 * (`id=value`), `secret-envs` (`id=VAR`), `secret-files` (`id=path`), `ssh`, `platforms`, `cache-from`, `cache-to`,
 * `no-cache`, `pull`, `build-contexts`, `tags`, `labels`. Pure (getInput and env are passed in); the action entry
 * masks `secretValues` and keeps `secretEnvNames` out of every other child process.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserFacingError } from '../findings/finding.js';
import { type BuildOptions, type BuildSecret, withDefaultLabels } from '../check/image/build-options.js';
import { parseInputList } from './input-list.js';
import type { GetInput } from './inputs.js';

export interface BuildInputs {
  options: BuildOptions;
  /** Every build secret's value, for the log mask. */
  secretValues: string[];
  /** The step's variables named by `secret-envs`: only the buildx child may see them. */
  secretEnvNames: string[];
}

export interface BuildInputContext {
  workspace: string;
  workingDirectory: string;
  dockerfile: string;
  env: Readonly<Record<string, string | undefined>>;
}

const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function bad(message: string): UserFacingError {
  return new UserFacingError(message, 'DA-INP-001');
}

/** `id=rest` split at the first `=`; the message never repeats the line, which may hold the secret itself. */
function splitSecret(input: string, item: string, index: number): [string, string] {
  const eq = item.indexOf('=');
  const id = eq > 0 ? item.slice(0, eq).trim() : '';
  const rest = eq > 0 ? item.slice(eq + 1) : '';
  if (!id) throw bad(`Input '${input}' item ${index + 1} is not \`id=…\` (no id before '=').`);
  if (!SECRET_ID.test(id))
    throw bad(`Input '${input}': secret id '${id}' may hold only letters, digits, '_', '-' and '.'.`);
  if (rest === '') throw bad(`Input '${input}': secret '${id}' has no value after '='.`);
  return [id, rest];
}

function parseBoolean(input: string, text: string): boolean {
  const t = text.trim();
  if (t === '' || /^false$/i.test(t)) return false;
  if (/^true$/i.test(t)) return true;
  throw bad(`Input '${input}' must be true or false; got '${t}'.`);
}

export function readBuildInputs(getInput: GetInput, ctx: BuildInputContext): BuildInputs {
  const list = (name: string, ignoreComma: boolean) => parseInputList(name, getInput(name), { ignoreComma });
  const secrets: BuildSecret[] = [];
  const secretEnvNames: string[] = [];
  const add = (input: string, secret: BuildSecret) => {
    if (secrets.some((s) => s.id === secret.id))
      throw bad(`Input '${input}': secret id '${secret.id}' is given twice.`);
    secrets.push(secret);
  };

  list('secrets', true).forEach((item, i) => {
    const [id, value] = splitSecret('secrets', item, i);
    add('secrets', { id, kind: 'value', value, from: 'secrets' });
  });
  // build-push-action splits secret-envs on commas too: `a=A,b=B` is two secrets.
  list('secret-envs', false).forEach((item, i) => {
    const [id, name] = splitSecret('secret-envs', item, i);
    const envName = name.trim();
    if (!ENV_NAME.test(envName)) {
      throw bad(`Input 'secret-envs': '${envName}' (for secret '${id}') is not an environment variable name.`);
    }
    const value = ctx.env[envName];
    if (value === undefined || value === '') {
      throw bad(
        `Input 'secret-envs': secret '${id}' reads the environment variable ${envName}, which is unset or empty in this step (set it with \`env: ${envName}: \${{ secrets.… }}\`).`,
      );
    }
    secretEnvNames.push(envName);
    add('secret-envs', { id, kind: 'value', value, from: `secret-envs ${envName}` });
  });
  list('secret-files', true).forEach((item, i) => {
    const [id, file] = splitSecret('secret-files', item, i);
    const abs = path.resolve(ctx.workingDirectory, file.trim());
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      throw bad(
        `Input 'secret-files': secret '${id}' names ${file.trim()}, which is not a file (relative to the working directory).`,
      );
    }
    add('secret-files', { id, kind: 'file', path: abs });
  });

  const options: BuildOptions = {
    secrets,
    ssh: list('ssh', false),
    platforms: list('platforms', false),
    cacheFrom: list('cache-from', true),
    cacheTo: list('cache-to', true),
    noCache: parseBoolean('no-cache', getInput('no-cache')),
    pull: parseBoolean('pull', getInput('pull')),
    buildContexts: list('build-contexts', true),
    tags: list('tags', false),
    labels: withDefaultLabels(list('labels', true), ctx.env),
    scopeBase: [
      path.relative(ctx.workspace, ctx.workingDirectory).split(path.sep).join('/') || '.',
      path.relative(ctx.workingDirectory, ctx.dockerfile).split(path.sep).join('/'),
    ].join(':'),
  };
  return { options, secretValues: secrets.flatMap((s) => (s.kind === 'value' ? [s.value] : [])), secretEnvNames };
}
