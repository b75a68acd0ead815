import { composeRule } from './context.js';

export const secretLongSyntax = composeRule({
  meta: {
    id: 'DA-CMP-026',
    name: 'secret-long-syntax',
    severity: 'error',
    area: 'compose',
    summary: 'Services reference secrets in long syntax (`source`, `target`, `mode`).',
    rationale: 'The short syntax cannot state the mode; the seed requires the mode to be written down.',
    fix: 'Write `- source: NAME` / `target: NAME` / `mode: 0400`.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const ref of svc.secrets)
        if (!ref.long)
          report(
            `service "${svc.name}" uses secret "${ref.source}" in short syntax; write source, target and mode: 0400`,
            ref.origin,
          );
  },
});
