import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserFacingError } from '../../findings/finding.js';
import { type RunResult as CommandResult, runProcess as runCommand } from '../../process/run.js';
import { tail } from '../../util/format.js';
import { failingLine } from './build-failure.js';
import type { ParsedDockerfile } from '../dockerfile/parse.js';

export interface BuildRequest {
  dockerfile: string;
  context: string;
  target: string | undefined;
  buildArgs: ReadonlyMap<string, string>;
  /** `--network` for RUN instructions (e.g. `none` on an engine without a bridge). */
  network: string | undefined;
  /** Env of the step: decides whether the GitHub Actions cache is usable. */
  env: Record<string, string | undefined>;
  /** Relative Dockerfile path for error locations. */
  dockerfileLabel: string;
  /** The parsed Dockerfile, to place a failure on its instruction. */
  parsed?: ParsedDockerfile;
  log: (line: string) => void;
}

export interface BuildResult {
  imageId: string;
  builder: 'buildx' | 'docker build';
  /** Set when buildx was missing and the plain builder stood in. */
  fallbackReason?: string;
}

export async function dockerReachable(): Promise<string | undefined> {
  try {
    const r = await runCommand('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 60_000 });
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

async function buildxDriver(): Promise<string | undefined> {
  try {
    const r = await runCommand('docker', ['buildx', 'inspect'], { timeoutMs: 60_000 });
    if (r.code !== 0) return undefined;
    return /^Driver:\s*(\S+)/m.exec(r.stdout)?.[1] ?? 'docker';
  } catch {
    return undefined;
  }
}

/** The GitHub cache backend needs the runner's cache service and a builder that can export caches. */
function gitHubCacheArgs(env: BuildRequest['env'], driver: string): string[] {
  const service = env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL;
  if (!service || !env.ACTIONS_RUNTIME_TOKEN || driver === 'docker') return [];
  return ['--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max'];
}

export { failingLine } from './build-failure.js';

export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-build-'));
  const iidFile = path.join(dir, 'iid');
  try {
    const common = ['--file', req.dockerfile, '--iidfile', iidFile];
    if (req.target) common.push('--target', req.target);
    if (req.network) common.push('--network', req.network);
    for (const [k, v] of req.buildArgs) common.push('--build-arg', `${k}=${v}`);

    const driver = await buildxDriver();
    let result: CommandResult;
    let builder: BuildResult['builder'];
    let fallbackReason: string | undefined;
    if (driver) {
      builder = 'buildx';
      const args = [
        'buildx',
        'build',
        '--load',
        '--progress',
        'plain',
        ...common,
        ...gitHubCacheArgs(req.env, driver),
        req.context,
      ];
      result = await runCommand('docker', args, { onOutput: req.log });
    } else {
      builder = 'docker build';
      fallbackReason = 'docker buildx is not available';
      result = await runCommand('docker', ['build', ...common, req.context], {
        env: { DOCKER_BUILDKIT: '1' },
        onOutput: req.log,
      });
      if (result.code !== 0 && /buildx component is missing/i.test(result.stderr)) {
        // Newer CLIs refuse BuildKit without buildx; the classic builder still proves the same image facts.
        fallbackReason =
          'docker buildx is not available and this docker CLI needs it for BuildKit; used the classic builder';
        result = await runCommand('docker', ['build', ...common, req.context], {
          env: { DOCKER_BUILDKIT: '0' },
          onOutput: req.log,
        });
      }
    }
    if (result.code !== 0) {
      const log = result.stdout + result.stderr;
      const line = failingLine(log, req.dockerfile, req.parsed);
      throw new UserFacingError(
        `The build of ${req.target ? `stage '${req.target}'` : 'the last stage'} failed${line ? ` at line ${line}` : ''}:\n${tail(log, 25)}`,
        'DA-INP-005',
        { file: req.dockerfileLabel, line: line ?? 1 },
      );
    }
    const imageId = (await readFile(iidFile, 'utf8')).trim();
    return { imageId, builder, ...(fallbackReason ? { fallbackReason } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
