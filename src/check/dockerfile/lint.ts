import type { Finding } from '../../findings/finding.js';
import { findingOf } from '../../findings/make.js';
import { DOCKERFILE_RULES } from '../../rules/dockerfile-rules.js';
import { isSecretLikeKey } from '../../rules/secret-names.js';
import type { DockerIgnore } from '../../docker/dockerignore.js';
import { stageChain, type Instruction, type ParsedDockerfile, type Stage } from './parse.js';

const [MULTI_STAGE, FINAL_USER, TOOL_COPY, SECRET_ARG_ENV, DOCKERIGNORE] = DOCKERFILE_RULES;

/** Images that exist to build, not to run: copying from them drags tools into the runner. */
const TOOL_IMAGES = /(^|\/)(uv|golang|rust|gcc|clang|buildpack-deps|maven|gradle|poetry|cmake|bazel)(:|@|$)/;

/** What must never reach the build context: dev secrets, prod secrets, the git history. */
const MUST_EXCLUDE = [
  { pattern: '.env', probe: '.env' },
  { pattern: '.env.*', probe: '.env.prod' },
  { pattern: 'secrets/', probe: 'secrets/db_password.txt' },
  { pattern: '.git', probe: '.git/config' },
];

export interface LintContext {
  file: string;
  parsed: ParsedDockerfile;
  target: Stage;
  /** The parsed `.dockerignore`, or undefined when the context has none. */
  dockerIgnore: DockerIgnore | undefined;
  dockerIgnorePath: string;
}

export function lintDockerfile(ctx: LintContext): Finding[] {
  const { file, parsed, target } = ctx;
  const at = (i: Instruction, column?: number) => ({ file, line: i.line, ...(column ? { column } : {}) });
  const findings: Finding[] = [];
  const chain = stageChain(parsed, target);

  if (parsed.stages.length < 2) {
    findings.push(
      findingOf(
        MULTI_STAGE,
        'The Dockerfile has a single stage: its build tools ship to production. Split it into a builder and a runner stage.',
        at(target.from),
      ),
    );
  }

  const lastUser = chain
    .flatMap((s) => s.instructions)
    .filter((i) => i.keyword === 'USER')
    .at(-1);
  if (!lastUser) {
    findings.push(
      findingOf(
        FINAL_USER,
        `Stage '${target.name ?? target.index}' sets no USER, so the container runs as root.`,
        at(target.from),
      ),
    );
  } else if (/^(root|0)(:|$)/.test(lastUser.args[0] ?? '')) {
    findings.push(findingOf(FINAL_USER, `USER ${lastUser.args[0]} runs the container as root.`, at(lastUser)));
  }

  const stageNames = new Map(parsed.stages.map((s) => [s.name ?? String(s.index), s]));
  for (const i of target.instructions) {
    if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
    const from = i.flags.get('from');
    if (!from) continue;
    const stage = stageNames.get(from.toLowerCase()) ?? stageNames.get(from);
    if (!stage && TOOL_IMAGES.test(from)) {
      findings.push(
        findingOf(
          TOOL_COPY,
          `The final stage copies from the tool image '${from}': build tools belong in the builder stage.`,
          at(i),
        ),
      );
    } else if (stage) {
      const sources = i.args.slice(0, -1);
      if (sources.some((s) => s === '/' || s === '.' || s === './')) {
        findings.push(
          findingOf(
            TOOL_COPY,
            `The final stage copies the whole of stage '${from}', toolchain included. Copy only what runs (e.g. /app/.venv).`,
            at(i),
          ),
        );
      }
    }
  }

  for (const stage of parsed.stages) {
    for (const i of stage.instructions) {
      if (i.keyword !== 'ENV' && i.keyword !== 'ARG') continue;
      for (const p of i.properties) {
        if (!isSecretLikeKey(p.name)) continue;
        if (i.keyword === 'ENV' || p.value) {
          findings.push(
            findingOf(
              SECRET_ARG_ENV,
              `${i.keyword} ${p.name} puts a secret-like value into the image (docker inspect / docker history show it).`,
              { file, line: p.line, column: p.column },
            ),
          );
        }
      }
    }
  }

  if (!ctx.dockerIgnore) {
    findings.push(
      findingOf(
        DOCKERIGNORE,
        `No .dockerignore in the build context: .env, secrets/ and .git can be copied into the image.`,
        { file, line: 1 },
      ),
    );
  } else {
    const missing = MUST_EXCLUDE.filter((m) => !ctx.dockerIgnore!.excludes(m.probe)).map((m) => m.pattern);
    if (missing.length) {
      findings.push(
        findingOf(DOCKERIGNORE, `.dockerignore does not exclude ${missing.join(', ')}.`, {
          file: ctx.dockerIgnorePath,
          line: 1,
        }),
      );
    }
  }
  return findings;
}
