import { composeRule } from './context.js';

export const secretLongSyntax = composeRule({
  meta: {
    id: 'DA-CMP-026',
    name: 'secret-long-syntax',
    severity: 'error',
    area: 'compose',
    summary: 'Services reference secrets in long syntax (`source`, `target`).',
    rationale:
      "The long syntax states where the file lands (`target`), which the app's `NAME_FILE` variable must match; the seed writes every secret that way. `mode` is optional: the deploy writes each secret at 0400 (DA-CMP-027).",
    fix: 'Write `- source: NAME` / `target: NAME`.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const ref of svc.secrets)
        if (!ref.long)
          report(
            `service "${svc.name}" uses secret "${ref.source}" in short syntax; write source and target`,
            ref.origin,
          );
  },
});
