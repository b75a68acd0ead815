import { defineRules } from './rule.js';

/** Rules read from the Dockerfile text (a real parse: continuations, heredocs, escape directive, ARGs in FROM). */
export const DOCKERFILE_RULES = defineRules([
  {
    id: 'DA-DF-001',
    name: 'multi-stage',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The Dockerfile has a builder stage and a separate runner stage.',
    rationale: 'Build tools and compilers are needed to build, never to run; a single stage ships them to production.',
    fix: 'Split into `FROM … AS builder` (uv, compilers) and `FROM … AS runner` that copies only `/app/.venv` from it.',
  },
  {
    id: 'DA-DF-002',
    name: 'final-stage-user',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The final stage sets a non-root `USER`.',
    rationale: 'A container that runs as root turns an application bug into a host compromise.',
    fix: 'Add `RUN groupadd -r appuser && useradd -r -g appuser appuser` and `USER appuser` to the runner stage.',
  },
  {
    id: 'DA-DF-003',
    name: 'no-tool-image-in-runner',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The final stage does not `COPY --from` a tool image or the whole of a toolchain stage.',
    rationale: 'Copying from the uv image or a whole builder root puts build tools back into the runtime image.',
    fix: 'Copy only what runs (e.g. `COPY --from=builder /app/.venv /app/.venv`); copy uv into the builder stage only.',
  },
  {
    id: 'DA-DF-004',
    name: 'no-secret-in-arg-env',
    severity: 'error',
    area: 'dockerfile',
    summary: 'No `ARG` or `ENV` carries a secret-like value (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL…).',
    rationale: 'ENV values are stored in the image config and ARG values in its history: `docker inspect` shows both.',
    fix: 'Use `RUN --mount=type=secret,id=…` at build time and secret files (`*_FILE`) at run time.',
  },
  {
    id: 'DA-DF-005',
    name: 'dockerignore',
    severity: 'error',
    area: 'dockerfile',
    summary: '`.dockerignore` exists and excludes `.env`, `.env.*`, `secrets/` and `.git`.',
    rationale:
      'Whatever the build context holds can end up in a layer through `COPY . .`; dev passwords live in `.env`.',
    fix: 'Add the missing patterns to `.dockerignore` at the root of the build context.',
  },
]);
