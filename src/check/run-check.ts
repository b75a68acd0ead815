import path from 'node:path';
import { checkCompose } from '../compose/check.js';
import type { ComposeModel } from '../compose/model.js';
import { UserFacingError, type Finding } from '../findings/finding.js';
import { findingOf } from '../findings/make.js';
import { applySuppressions, loadRuleSettings } from '../findings/suppressions.js';
import type { CheckResult, ImageFacts } from './check-result.js';
import { INPUT_RULES } from '../rules/input-rules.js';
import { ruleIn } from '../rules/rule.js';
import { ALL_RULES, ruleById } from './catalog.js';
import { loadDockerIgnore } from '../docker/dockerignore.js';
import { ReadTextError, readTextFile, repositoryRootOf } from '../util/read-text.js';
import { lintDockerfile } from './dockerfile/lint.js';
import { contextProbes } from './build-context.js';
import { composeBuildTarget } from './compose-target.js';
import { findStage, parseDockerfile, type ParsedDockerfile, type Stage } from './dockerfile/parse.js';
import { type BuildResult, buildImage, dockerReachable } from './image/build.js';
import type { BuildOptions } from './image/build-options.js';
import { verifyImage, type ImageVerification } from './image/verify-image.js';
import type { ImageSource } from './image/source/image-source.js';
import { verifySource, type PlatformVerification } from './image/source/verify-source.js';
import { interpolationEnv } from '../compose/interpolation-env.js';

const BUILDX_MISSING = ruleIn(INPUT_RULES, 'DA-INP-007');
const PROOFS_NOT_RUN = ruleIn(INPUT_RULES, 'DA-INP-009');
const PROOFS_SKIPPED = ruleIn(INPUT_RULES, 'DA-INP-023');

export interface CheckOptions {
  workingDirectory: string;
  dockerfile: string;
  context: string;
  target: string | undefined;
  buildArgs: ReadonlyMap<string, string>;
  network: string | undefined;
  /** The build-push-action build inputs; none when absent. */
  buildOptions?: BuildOptions;
  composeFiles: string[];
  /** The step variables Compose interpolation may see (`env-vars`); the others in `env` never reach the model. */
  envVars: readonly string[];
  forbiddenTools: string[];
  allowedTools: string[];
  configFile: string;
  env: Record<string, string | undefined>;
  /** Build log lines, streamed. */
  log: (text: string) => void;
  /** Skip the build and image proofs (compose and Dockerfile rules only), silently: the unit tests' static half. */
  skipImage?: boolean;
  /** `build: false`: Dockerfile and Compose rules only, with a notice that no image proof ran. */
  build?: boolean;
  /** `image`: prove this image instead of building one. */
  image?: ImageSource | undefined;
  /** `platforms`: which platforms of an `image` index to prove (default all). */
  platforms?: readonly string[];
  /** Files outside it are never read (default: the workspace or git checkout around the working directory). */
  repositoryRoot?: string;
}

export interface CheckOutcome extends CheckResult {
  /** Present when the image was built and read. */
  verification: ImageVerification | undefined;
  targetStage: Stage | undefined;
  /** The merged prod Compose model; deploy reads its secrets, env files and build services. */
  compose: ComposeModel | undefined;
  /** The build's notes, buildx metadata and digest, when it ran. */
  build?: Pick<BuildResult, 'notes' | 'metadata' | 'digest' | 'platform'>;
}

function asFinding(error: unknown): Finding {
  if (error instanceof UserFacingError) {
    const rule = ruleById(error.ruleId);
    return {
      ruleId: error.ruleId,
      severity: rule?.severity ?? 'error',
      message: error.message,
      ...(error.location ? { location: error.location } : {}),
    };
  }
  throw error;
}

/** Drops text-level findings that an image proof at the same place already reports. */
function dropSuperseded(findings: Finding[]): Finding[] {
  const proven = new Set<string>();
  for (const f of findings) {
    for (const id of ruleById(f.ruleId)?.supersedes ?? []) proven.add(`${id}@${f.location?.file}:${f.location?.line}`);
  }
  return findings.filter((f) => !proven.has(`${f.ruleId}@${f.location?.file}:${f.location?.line}`));
}

async function requireEngine(dockerfileLabel: string): Promise<void> {
  if (await dockerReachable()) return;
  throw new UserFacingError(
    'No Docker engine is reachable (docker version failed). The image checks need one.',
    'DA-INP-004',
    { file: dockerfileLabel, line: 1 },
  );
}

interface ImageStep {
  findings: Finding[];
  verification: ImageVerification;
  image: ImageFacts;
  build?: CheckOutcome['build'];
}

/** Builds the target stage and proves the image; or, with `image`, proves the image given and builds nothing. */
async function buildAndProve(
  opts: CheckOptions,
  at: { parsed: ParsedDockerfile; targetStage: Stage; target: string | undefined; dockerfileLabel: string },
): Promise<ImageStep> {
  const { parsed, targetStage, dockerfileLabel } = at;
  const stageName = targetStage.name ?? String(targetStage.index);
  const proofs = {
    parsed,
    target: targetStage,
    dockerfileLabel,
    forbiddenTools: opts.forbiddenTools,
    allowedTools: opts.allowedTools,
  };
  if (opts.image) {
    // An archive is read from disk: only an engine image (or a build) needs the engine.
    if (opts.image.kind === 'engine') await requireEngine(dockerfileLabel);
    const verified = await verifySource(opts.image, proofs, opts.platforms ?? []);
    const named = opts.image.kind === 'engine' ? opts.image.ref : opts.image.label;
    return fromSource(verified, `not built (image: ${named})`, stageName);
  }
  await requireEngine(dockerfileLabel);
  const built = await buildImage({
    dockerfile: opts.dockerfile,
    context: opts.context,
    target: at.target,
    buildArgs: opts.buildArgs,
    network: opts.network,
    ...(opts.buildOptions ? { options: opts.buildOptions } : {}),
    env: opts.env,
    dockerfileLabel,
    parsed,
    log: opts.log,
  });
  const findings: Finding[] = [];
  if (built.fallbackReason) {
    findings.push(findingOf(BUILDX_MISSING, `${built.fallbackReason}; built with ${built.builder}.`));
  }
  const verification = await verifyImage({ ...proofs, imageId: built.imageId });
  findings.push(...verification.findings);
  return {
    findings,
    verification,
    image: { ...verification.facts, builder: built.builder, target: stageName },
    build: { notes: built.notes, metadata: built.metadata, digest: built.digest, platform: built.platform },
  };
}

/** The first platform is the one outputs and deploy describe; every platform's findings are kept. */
function fromSource(verified: PlatformVerification[], builder: string, target: string): ImageStep {
  const first = verified[0] as PlatformVerification;
  return {
    findings: verified.flatMap((v) => v.findings),
    verification: first,
    image: { ...first.facts, builder, target, platforms: verified.map((v) => v.platform) },
  };
}

/** The whole check: Dockerfile rules, build, image proofs, compose rules, then ignores and settings. */
export async function runCheck(opts: CheckOptions): Promise<CheckOutcome> {
  const started = Date.now();
  const rel = (p: string) => path.relative(opts.workingDirectory, p) || '.';
  const dockerfileLabel = rel(opts.dockerfile);
  const root = opts.repositoryRoot ?? repositoryRootOf(opts.workingDirectory);
  const findings: Finding[] = [];
  let parsed: ParsedDockerfile | undefined;
  let targetStage: Stage | undefined;
  let image: ImageFacts | undefined;
  let verification: ImageVerification | undefined;
  let build: CheckOutcome['build'];

  // Compose first: with no `target` input, the stage a prod service builds (`build.target`) is the one that ships.
  const compose = await checkCompose({
    cwd: opts.workingDirectory,
    repositoryRoot: root,
    settingsFile: opts.configFile,
    files: opts.composeFiles,
    env: interpolationEnv(opts.envVars, opts.env),
    buildContext: opts.context,
    dockerfile: opts.dockerfile,
  });
  const fromCompose = opts.target
    ? undefined
    : composeBuildTarget(compose.model, path.resolve(opts.workingDirectory, opts.dockerfile));
  const target = opts.target || fromCompose?.stage;

  try {
    let text: string;
    try {
      text = await readTextFile(opts.dockerfile, { root, label: dockerfileLabel });
    } catch (e) {
      if (!(e instanceof ReadTextError)) throw e;
      throw new UserFacingError(
        e.problem === 'missing'
          ? `Dockerfile not found: ${dockerfileLabel} (input 'dockerfile', relative to the working directory).`
          : e.message,
        e.problem === 'missing' ? 'DA-INP-002' : 'DA-INP-008',
        { file: dockerfileLabel, line: 1 },
      );
    }
    parsed = parseDockerfile(text, opts.buildArgs);
    if (!parsed.stages.length) {
      throw new UserFacingError(`${dockerfileLabel} has no FROM instruction.`, 'DA-INP-002', {
        file: dockerfileLabel,
        line: 1,
      });
    }
    targetStage = findStage(parsed, target);
    if (!targetStage) {
      const names =
        parsed.stages
          .map((s) => s.name)
          .filter(Boolean)
          .join(', ') || '(none named)';
      const source = fromCompose ? ` (build.target of compose service '${fromCompose.service}')` : '';
      throw new UserFacingError(
        `Target stage '${target}'${source} is not in ${dockerfileLabel}; its stages are: ${names}.`,
        'DA-INP-003',
        fromCompose
          ? { file: rel(fromCompose.origin.file), line: fromCompose.origin.line, column: fromCompose.origin.column }
          : { file: dockerfileLabel, line: 1 },
      );
    }
    const { ignore, file } = await loadDockerIgnore(opts.context, opts.dockerfile, root);
    findings.push(
      ...lintDockerfile({
        file: dockerfileLabel,
        parsed,
        target: targetStage,
        dockerIgnore: ignore,
        dockerIgnorePath: rel(file),
        mustExclude: await contextProbes(path.resolve(opts.workingDirectory, opts.context), compose.model),
      }),
    );
  } catch (error) {
    findings.push(asFinding(error));
  }

  if (parsed && targetStage && !opts.skipImage && opts.build !== false) {
    try {
      const proven = await buildAndProve(opts, { parsed, targetStage, target, dockerfileLabel });
      findings.push(...proven.findings);
      verification = proven.verification;
      image = proven.image;
      if (proven.build) build = proven.build;
    } catch (error) {
      findings.push(asFinding(error));
    }
  }
  if (opts.build === false) {
    findings.push(
      findingOf(
        PROOFS_SKIPPED,
        'build: false: the image was neither built nor read, so no image proof (DA-IMG-*) ran; only the Dockerfile and Compose rules did. Its absence of image findings proves nothing about the image.',
        { file: dockerfileLabel, line: targetStage?.from.line ?? 1 },
      ),
    );
  } else if (!opts.skipImage && !verification) {
    findings.push(
      findingOf(
        PROOFS_NOT_RUN,
        'The image was not built and read, so no image proof (DA-IMG-*) ran: the absence of image findings proves nothing. Fix the error above and run again.',
        { file: dockerfileLabel, line: targetStage?.from.line ?? 1 },
      ),
    );
  }

  findings.push(...compose.findings);

  const known = new Set(ALL_RULES.map((r) => r.id));
  const settings = await loadRuleSettings(opts.configFile, rel(opts.configFile), known, root);
  const kept = await applySuppressions(dropSuperseded(findings), settings.settings, opts.workingDirectory, root);
  return {
    findings: [...kept, ...settings.findings],
    image,
    verification,
    targetStage,
    compose: compose.model,
    ...(build ? { build } : {}),
    dockerfile: dockerfileLabel,
    composeFiles: opts.composeFiles.map(rel),
    durationMs: Date.now() - started,
  };
}
