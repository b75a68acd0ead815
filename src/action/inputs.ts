import path from 'node:path';
import {
  formatPlatform,
  parseImageSource,
  parsePlatform,
  type ImageSource,
} from '../check/image/source/image-source.js';
import { checkEnvVarNames } from '../compose/interpolation-env.js';
import { UserFacingError } from '../findings/finding.js';

export type Mode = 'check' | 'deploy' | 'plan' | 'rollback';
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
  /** `env-vars`: the only step-environment variables Compose interpolation sees (the project `.env` still applies). */
  envVars: string[];
  forbiddenTools: string[];
  allowedTools: string[];
  failOn: FailOn;
  sarifFile: string | undefined;
  configFile: string;
  /** `image`: an image built elsewhere to verify; nothing is built. */
  image: ImageSource | undefined;
  /** `build: false`: Dockerfile and Compose rules only. */
  build: boolean;
  /** `platforms`: which platforms of an `image` index to verify (empty: all). */
  platforms: string[];
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

/** A boolean input as the YAML 1.2 core schema spells it (what `core.getBooleanInput` accepts); empty is `fallback`. */
export function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (!value) return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new UserFacingError(`Input '${name}' must be true or false; got '${value}'.`, 'DA-INP-001');
}

/**
 * `image` and `build: false` both say "build nothing" but disagree on the image proofs (run them on the image given,
 * or run none): rather than silently drop one, the pair is refused.
 */
function imageAndBuild(getInput: GetInput, workingDirectory: string) {
  const image = parseImageSource(getInput('image'), workingDirectory);
  const build = parseBoolean('build', getInput('build'), true);
  if (image && !build) {
    throw new UserFacingError(
      "Inputs 'image' and 'build: false' cannot be combined: 'image' verifies an image built elsewhere (nothing is built), 'build: false' runs no image proof at all. Keep the one you mean.",
      'DA-INP-001',
    );
  }
  return { image, build };
}

/** Deploy ships the checked image from the engine: an archive would have to be loaded first, so it is refused. */
function deployable(mode: Mode, image: ImageSource | undefined): void {
  if (mode !== 'check' && image && image.kind !== 'engine') {
    throw new UserFacingError(
      `Input 'image' is ${image.label}: mode '${mode}' delivers an engine image; load the archive first (\`docker load\`) and pass its ID.`,
      'DA-INP-001',
    );
  }
}

export function readCheckInputs(getInput: GetInput, workspace: string): CheckInputs {
  const workingDirectory = path.resolve(workspace, getInput('working-directory') || '.');
  const inDir = (p: string) => path.resolve(workingDirectory, p);
  const sarif = getInput('sarif-file');
  const mode = oneOf('mode', getInput('mode') || 'check', ['check', 'deploy', 'plan', 'rollback'] as const);
  const source = imageAndBuild(getInput, workingDirectory);
  deployable(mode, source.image);
  return {
    mode,
    workingDirectory,
    dockerfile: inDir(getInput('dockerfile') || 'deploy/Dockerfile'),
    context: inDir(getInput('context') || '.'),
    target: getInput('target') || undefined,
    buildArgs: parseBuildArgs(getInput('build-args')),
    network: getInput('network') || undefined,
    composeFiles: splitList(
      getInput('compose-files') || 'deploy/docker-compose.yml deploy/docker-compose.prod.yml',
    ).map(inDir),
    envVars: checkEnvVarNames(splitList(getInput('env-vars'))),
    forbiddenTools: splitList(getInput('forbidden-tools')),
    allowedTools: splitList(getInput('allowed-tools')),
    failOn: oneOf('fail-on', getInput('fail-on') || 'error', ['error', 'warning', 'never'] as const),
    sarifFile: sarif ? inDir(sarif) : undefined,
    configFile: inDir(getInput('config-file') || '.github/deploy-action.yml'),
    ...source,
    // Checked here so a typo fails before anything runs.
    platforms: splitList(getInput('platforms')).map((p) => formatPlatform(parsePlatform(p))),
  };
}
