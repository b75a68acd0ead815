import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserFacingError } from '../../findings/finding.js';
import { type RunResult as CommandResult, runProcess as runCommand } from '../../process/run.js';
import { tail } from '../../util/format.js';
import { failingLine } from './build-failure.js';
import type { ParsedDockerfile } from '../dockerfile/parse.js';
import { type BuildOptions, buildxOptionArgs, choosePlatform, decideCache, NO_BUILD_OPTIONS } from './build-options.js';

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
  /** The build-push-action inputs (secrets, platforms, cache, tags, labels, ...). */
  options?: BuildOptions;
  log: (line: string) => void;
}

/** Said after the build, outside the streamed log (where workflow commands are off). */
export interface BuildNote {
  level: 'debug' | 'notice' | 'warning';
  text: string;
}

export interface BuildResult {
  imageId: string;
  builder: 'buildx' | 'docker build';
  /** Set when buildx was missing and the plain builder stood in. */
  fallbackReason?: string;
  notes: BuildNote[];
  /** buildx's `--metadata-file` JSON, as buildx wrote it. */
  metadata?: string;
  /** The image's registry digest when the engine knows one. */
  digest?: string;
  /** The one platform built and verified, when `platforms` named any. */
  platform?: string;
}

export async function dockerReachable(): Promise<string | undefined> {
  try {
    const r = await runCommand('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 60_000 });
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

interface Builder {
  driver: string;
  /** The first platform `docker buildx inspect` lists: the node's own. */
  nativePlatform: string | undefined;
}

async function inspectBuilder(): Promise<Builder | undefined> {
  try {
    const r = await runCommand('docker', ['buildx', 'inspect'], { timeoutMs: 60_000 });
    if (r.code !== 0) return undefined;
    const driver = /^Driver:\s*(\S+)/m.exec(r.stdout)?.[1] ?? 'docker';
    const nativePlatform = /^Platforms:\s*([^,\s]+)/m.exec(r.stdout)?.[1]?.replace(/\*$/, '');
    return { driver, nativePlatform };
  } catch {
    return undefined;
  }
}

/** The registry digest of the image when the engine knows one (it was pushed or pulled under a tag). */
async function repoDigest(imageId: string): Promise<string | undefined> {
  const r = await runCommand('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', imageId], {
    timeoutMs: 60_000,
  });
  if (r.code !== 0) return undefined;
  try {
    const digests = JSON.parse(r.stdout) as unknown;
    const first = Array.isArray(digests) ? digests.find((d) => typeof d === 'string') : undefined;
    return first?.slice(first.indexOf('@') + 1) || undefined;
  } catch {
    return undefined;
  }
}

/** Inputs the classic builder has no flag for: refused rather than silently dropped. */
function buildxOnlyInputs(o: BuildOptions): string[] {
  const used: [string, boolean][] = [
    ['secrets/secret-envs/secret-files', o.secrets.length > 0],
    ['ssh', o.ssh.length > 0],
    ['platforms', o.platforms.length > 0],
    ['cache-from', o.cacheFrom.length > 0],
    ['cache-to', o.cacheTo.length > 0],
    ['build-contexts', o.buildContexts.length > 0],
  ];
  return used.filter(([, on]) => on).map(([name]) => name);
}

export { failingLine } from './build-failure.js';

export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const options = req.options ?? NO_BUILD_OPTIONS;
  // The runner's temp is emptied after every job; the metadata may name secret ids, never values.
  const dir = await mkdtemp(path.join(req.env.RUNNER_TEMP || os.tmpdir(), 'deploy-action-build-'));
  const iidFile = path.join(dir, 'iid');
  const metadataFile = path.join(dir, 'metadata.json');
  const notes: BuildNote[] = [];
  try {
    const common = ['--file', req.dockerfile, '--iidfile', iidFile];
    if (req.target) common.push('--target', req.target);
    if (req.network) common.push('--network', req.network);
    for (const [k, v] of req.buildArgs) common.push('--build-arg', `${k}=${v}`);

    const builderInfo = await inspectBuilder();
    let result: CommandResult;
    let builder: BuildResult['builder'];
    let fallbackReason: string | undefined;
    let platform: string | undefined;
    if (builderInfo) {
      builder = 'buildx';
      const choice = choosePlatform(options.platforms, builderInfo.nativePlatform, builderInfo.driver);
      platform = choice.platform;
      if (choice.note) notes.push({ level: 'warning', text: choice.note });
      const cache = decideCache(options, req.target, req.env, builderInfo.driver);
      if (cache.note) notes.push({ level: 'debug', text: `No default GitHub cache: ${cache.note}.` });
      const extra = buildxOptionArgs(options, platform, cache.args);
      const args = [
        'buildx',
        'build',
        '--load',
        '--progress',
        'plain',
        '--metadata-file',
        metadataFile,
        ...common,
        ...extra.args,
        req.context,
      ];
      result = await runCommand('docker', args, { onOutput: req.log, childOnlyEnv: extra.secretEnv });
    } else {
      const unsupported = buildxOnlyInputs(options);
      if (unsupported.length) {
        throw new UserFacingError(
          `docker buildx is not available, and the inputs ${unsupported.join(', ')} need it. Add docker/setup-buildx-action before this step.`,
          'DA-INP-001',
        );
      }
      builder = 'docker build';
      fallbackReason = 'docker buildx is not available';
      const classic = [
        ...common,
        ...options.tags.flatMap((t) => ['--tag', t]),
        ...options.labels.flatMap((l) => ['--label', l]),
        ...(options.noCache ? ['--no-cache'] : []),
        ...(options.pull ? ['--pull'] : []),
        req.context,
      ];
      result = await runCommand('docker', ['build', ...classic], { env: { DOCKER_BUILDKIT: '1' }, onOutput: req.log });
      if (result.code !== 0 && /buildx component is missing/i.test(result.stderr)) {
        // Newer CLIs refuse BuildKit without buildx; the classic builder still proves the same image facts.
        fallbackReason =
          'docker buildx is not available and this docker CLI needs it for BuildKit; used the classic builder';
        result = await runCommand('docker', ['build', ...classic], {
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
    const metadata = builder === 'buildx' ? await readFile(metadataFile, 'utf8').catch(() => undefined) : undefined;
    const digest = await repoDigest(imageId);
    return {
      imageId,
      builder,
      notes,
      ...(fallbackReason ? { fallbackReason } : {}),
      ...(metadata ? { metadata } : {}),
      ...(digest ? { digest } : {}),
      ...(platform ? { platform } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
