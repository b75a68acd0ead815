import { stageChain } from '../parse.js';
import { dockerfileRule, instructionAt } from './context.js';

export const noPasswordlessSudo = dockerfileRule({
  meta: {
    id: 'DA-DF-007',
    name: 'no-passwordless-sudo',
    severity: 'error',
    area: 'dockerfile',
    summary: 'No `RUN` of the final stage writes a `NOPASSWD` sudo rule.',
    rationale: 'Passwordless sudo makes the non-root USER root again for anyone who gets code execution.',
    fix: 'Remove sudo from the runner stage; do what needs root in a RUN before `USER appuser`.',
  },
  check(ctx, report) {
    // The stages the target is built FROM end up in its filesystem too.
    for (const i of stageChain(ctx.parsed, ctx.target).flatMap((s) => s.instructions)) {
      if (i.keyword === 'RUN' && /\bNOPASSWD\s*:/.test(i.args.join(' ')))
        report(
          'RUN writes a NOPASSWD sudo rule: the runtime user can become root without a password.',
          instructionAt(ctx, i),
        );
    }
  },
});
