import { composeRule } from './context.js';

export const secretMode = composeRule({
  meta: {
    id: 'DA-CMP-027',
    name: 'secret-mode',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret a service uses has `mode: 0400` or stricter (no group or other bits, no write or execute).',
    rationale:
      'A secret readable by other users in the container is readable by any process that drops privileges or runs as another uid.',
    fix: 'Set `mode: 0400` unquoted (or `0o400`, or `256`). A quoted `"0400"` is read by Compose as the decimal 400, which is 0620.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      // A short reference cannot state a mode: DA-CMP-026 reports it instead.
      for (const ref of svc.secrets.filter((r) => r.long)) {
        // Judged by what Compose reads, which Swarm applies: a quoted "0400" is the decimal 400 (0620 in octal).
        const mode = ref.mode;
        const quotedOctal = ref.modeText !== undefined && /^0o?[0-7]+$/i.test(ref.modeText.trim());
        if (mode === undefined || Number.isNaN(mode))
          report(
            ref.modeText === undefined
              ? `secret "${ref.source}" of service "${svc.name}" has no mode; set mode: 0400`
              : `secret "${ref.source}" of service "${svc.name}" has mode ${ref.modeText}, which Compose cannot read; set mode: 0400`,
            ref.modeOrigin ?? ref.origin,
          );
        else if ((mode & ~0o400) !== 0)
          report(
            quotedOctal
              ? `secret "${ref.source}" of service "${svc.name}" has mode "${ref.modeText}" in quotes: Compose reads a quoted mode as decimal (${mode} = 0${mode.toString(8)}). Write it unquoted: mode: 0400`
              : `secret "${ref.source}" of service "${svc.name}" has mode 0${mode.toString(8)}; 0400 or stricter keeps it to its owner, read-only`,
            ref.modeOrigin ?? ref.origin,
          );
      }
    }
  },
});
