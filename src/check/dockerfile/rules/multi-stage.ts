import { dockerfileRule, instructionAt } from './context.js';

export const multiStage = dockerfileRule({
  meta: {
    id: 'DA-DF-001',
    name: 'multi-stage',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The Dockerfile has a builder stage and a separate runner stage.',
    rationale: 'Build tools and compilers are needed to build, never to run; a single stage ships them to production.',
    fix: 'Split into `FROM … AS builder` (uv, compilers) and `FROM … AS runner` that copies only `/app/.venv` from it.',
  },
  check(ctx, report) {
    if (ctx.parsed.stages.length < 2)
      report(
        'The Dockerfile has a single stage: its build tools ship to production. Split it into a builder and a runner stage.',
        instructionAt(ctx, ctx.target.from),
      );
  },
});
