/**
 * The hook inputs: `pre-deploy` and `post-deploy` are argv, never shell text, so an image without a shell
 * (distroless) runs them too. Two forms, one rule each: a YAML flow list (`["alembic", "upgrade", "head"]`) when the
 * text starts with `[`, otherwise plain words split on white space (no quoting, so a quote or backslash is refused
 * and the list form named). A shell is asked for explicitly: `["sh", "-c", "alembic upgrade head && ..."]`.
 */
import { parse } from 'yaml';
import { DeployInputError } from './input-error.js';
import type { DeploySource, HookPlan } from './plan-model.js';

export interface HookInputs {
  pre?: string[];
  post?: string[];
  /** Input `hook-service`; undefined: the compose service that builds the checked image. */
  service?: string;
  timeoutSeconds: number;
}

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** One hook input as argv; undefined when the input is empty. */
export function parseHookCommand(text: string, input: string): string[] | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  let argv: string[];
  if (t.startsWith('[')) {
    let value: unknown;
    try {
      value = parse(t);
    } catch (e) {
      throw new DeployInputError(`${input}: not a YAML flow list: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new DeployInputError(`${input}: a list must hold strings only, e.g. ["alembic", "upgrade", "head"]`);
    }
    argv = value as string[];
  } else {
    if (/["'\\`]/.test(t)) {
      throw new DeployInputError(
        `${input}: plain words take no quotes or backslashes; give a YAML flow list instead, e.g. ["sh", "-c", "alembic upgrade head"]`,
      );
    }
    argv = t.split(/\s+/);
  }
  if (argv.length === 0 || argv[0] === '') throw new DeployInputError(`${input}: the command is empty`);
  if (argv.some((a) => a.includes('\0'))) throw new DeployInputError(`${input}: NUL characters are not allowed`);
  return argv;
}

export function parseHookInputs(get: (name: string) => string, timeoutSeconds: number): HookInputs | undefined {
  const pre = parseHookCommand(get('pre-deploy'), 'pre-deploy');
  const post = parseHookCommand(get('post-deploy'), 'post-deploy');
  const service = get('hook-service').trim() || undefined;
  if (service !== undefined && !SERVICE_NAME.test(service)) {
    throw new DeployInputError(`hook-service: "${service}" is not a compose service name`);
  }
  if (!pre && !post) return undefined;
  return { ...(pre ? { pre } : {}), ...(post ? { post } : {}), ...(service ? { service } : {}), timeoutSeconds };
}

/** The hooks' service: `hook-service`, or the one service that builds the checked image; it must be a prod service. */
export function planHooks(hooks: HookInputs, source: DeploySource): HookPlan {
  const known = source.services?.map((s) => s.name) ?? source.buildServices;
  let service = hooks.service;
  if (service === undefined) {
    if (source.buildServices.length !== 1) {
      throw new DeployInputError(
        `hook-service: required, since ${source.buildServices.length ? `several services build the image (${source.buildServices.join(', ')})` : 'no prod service has `build:`'}; name the one the hooks run in`,
      );
    }
    service = source.buildServices[0]!;
  } else if (!known.includes(service)) {
    throw new DeployInputError(`hook-service: ${service} is not a prod compose service (they are ${known.join(', ')})`);
  }
  return {
    ...(hooks.pre ? { pre: hooks.pre } : {}),
    ...(hooks.post ? { post: hooks.post } : {}),
    service,
    timeoutSeconds: hooks.timeoutSeconds,
  };
}
