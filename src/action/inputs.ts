import path from 'node:path';
import { UserFacingError } from '../findings/finding.js';

export type Mode = 'check' | 'deploy';
export type FailOn = 'error' | 'warning' | 'never';

/** Everything the check needs, resolved to absolute paths. Deploy inputs live in deploy-inputs.ts. */
export interface CheckInputs {
  mode: Mode;
  /** Absolute project directory; finding paths are relative to it. */
  workingDirectory: string;
  dockerfile: string;
  context: string;
  target: string | undefined;
  buildArgs: Map<string, string>;
  network: string | undefined;
  composeFiles: string[];
  forbiddenTools: string[];
  allowedTools: string[];
  failOn: FailOn;
  sarifFile: string | undefined;
  configFile: string;
}

export type GetInput = (name: string) => string;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UserFacingError(`Input '${name}' must be one of ${allowed.join(', ')}; got '${value}'.`, 'DA-INP-001');
}

/** Splits a list input on newlines, commas or spaces (the conventions of docker/build-push-action). */
export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `NAME=value` lines; the value keeps everything after the first `=`, spaces included. */
export function parseBuildArgs(value: string): Map<string, string> {
  const args = new Map<string, string>();
  value.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new UserFacingError(`Input 'build-args' line ${i + 1} is not NAME=value: '${line}'.`, 'DA-INP-001');
    }
    args.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  });
  return args;
}

export function readCheckInputs(getInput: GetInput, workspace: string): CheckInputs {
  const workingDirectory = path.resolve(workspace, getInput('working-directory') || '.');
  const inDir = (p: string) => path.resolve(workingDirectory, p);
  const sarif = getInput('sarif-file');
  return {
    mode: oneOf('mode', getInput('mode') || 'check', ['check', 'deploy'] as const),
    workingDirectory,
    dockerfile: inDir(getInput('dockerfile') || 'deploy/Dockerfile'),
    context: inDir(getInput('context') || '.'),
    target: getInput('target') || undefined,
    buildArgs: parseBuildArgs(getInput('build-args')),
    network: getInput('network') || undefined,
    composeFiles: splitList(
      getInput('compose-files') || 'deploy/docker-compose.yml deploy/docker-compose.prod.yml',
    ).map(inDir),
    forbiddenTools: splitList(getInput('forbidden-tools')),
    allowedTools: splitList(getInput('allowed-tools')),
    failOn: oneOf('fail-on', getInput('fail-on') || 'error', ['error', 'warning', 'never'] as const),
    sarifFile: sarif ? inDir(sarif) : undefined,
    configFile: inDir(getInput('config-file') || '.github/deploy-action.yml'),
  };
}
