import { stageChain } from '../parse.js';
import { dockerfileRule, instructionAt } from './context.js';

export const finalStageUser = dockerfileRule({
  meta: {
    id: 'DA-DF-002',
    name: 'final-stage-user',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The final stage sets a non-root `USER`.',
    rationale: 'A container that runs as root turns an application bug into a host compromise.',
    fix: 'Add `RUN groupadd -r appuser && useradd -r -g appuser appuser` and `USER appuser` to the runner stage.',
  },
  check(ctx, report) {
    // The last USER of the target or of a stage it is built FROM is the one the container runs as.
    const lastUser = stageChain(ctx.parsed, ctx.target)
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'USER')
      .at(-1);
    if (!lastUser)
      report(
        `Stage '${ctx.target.name ?? ctx.target.index}' sets no USER, so the container runs as root.`,
        instructionAt(ctx, ctx.target.from),
      );
    else if (/^(root|0)(:|$)/.test(lastUser.args[0] ?? ''))
      report(`USER ${lastUser.args[0]} runs the container as root.`, instructionAt(ctx, lastUser));
  },
});
