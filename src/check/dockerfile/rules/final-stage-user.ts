import { dockerfileRule, instructionAt } from './context.js';
import { describeSources, lastUser } from './last-user.js';

export const finalStageUser = dockerfileRule({
  meta: {
    id: 'DA-DF-002',
    name: 'final-stage-user',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The final stage sets a non-root `USER` (ARGs and ENVs in it resolved as the build resolves them).',
    rationale: 'A container that runs as root turns an application bug into a host compromise.',
    fix: 'Add `RUN groupadd -r appuser && useradd -r -g appuser appuser` and `USER appuser` to the runner stage.',
  },
  check(ctx, report) {
    const found = lastUser(ctx);
    if (!found) {
      report(
        `Stage '${ctx.target.name ?? ctx.target.index}' sets no USER, so the container runs as root.`,
        instructionAt(ctx, ctx.target.from),
      );
      return;
    }
    if (found.user.unknown.length || !/^(root|0+)$/.test(found.user.text)) return;
    const via = found.user.used.length
      ? ` (it resolves to '${found.user.text}' through ${describeSources(found.user)})`
      : '';
    report(`USER ${found.raw} runs the container as root${via}.`, instructionAt(ctx, found.instruction));
  },
});
