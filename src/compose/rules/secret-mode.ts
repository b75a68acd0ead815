import type { ServiceSecret } from '../model.js';
import { composeRule } from './context.js';

/** Why a written mode is not 0400-or-stricter, naming the likely slip (quotes, a decimal that reads as octal). */
function modeProblem(ref: ServiceSecret, service: string): string | undefined {
  const what = `secret "${ref.source}" of service "${service}"`;
  const mode = ref.mode;
  if (mode === undefined) return undefined;
  if (Number.isNaN(mode))
    return `${what} has mode ${ref.modeText}, which Compose cannot read; write mode: 0400 or leave it out`;
  if ((mode & ~0o400) === 0) return undefined;
  const octal = `0${mode.toString(8)}`;
  if (ref.modeText !== undefined && /^0o?[0-7]+$/i.test(ref.modeText.trim()))
    return `${what} has mode "${ref.modeText}" in quotes: Compose reads a quoted mode as decimal (${mode} = ${octal}). Write it unquoted: mode: 0400`;
  // YAML drops how a number was written: 600 or 644 cannot be permission bits, and 400/440/444 (0620, 0670, 0674)
  // are modes nobody means, so those are decimals written for octals. 416 may be a YAML 0640: no hint.
  if (/^[0-7]{3}$/.test(String(mode)) && (mode > 0o777 || [400, 440, 444].includes(mode)))
    return `${what} has mode ${mode}, a decimal number to Compose (= ${octal}); an octal mode needs its leading 0: mode: 0${mode}`;
  return `${what} has mode ${octal}; 0400 or stricter keeps it to its owner, read-only`;
}

export const secretMode = composeRule({
  meta: {
    id: 'DA-CMP-027',
    name: 'secret-mode',
    severity: 'error',
    area: 'compose',
    summary:
      'A secret `mode`, where one is written, is 0400 or stricter (no group or other bits, no write or execute); leaving it out is fine.',
    rationale:
      'Both deploy targets write each secret at 0400 owned by the runtime uid, so `mode` is optional. A mode that is written claims something and Swarm applies it when the stack is run by hand: a looser one, or a quoted `"0400"` that Compose reads as decimal 400 (= 0620), lets other users in the container read the secret.',
    fix: 'Write `mode: 0400` unquoted (or `0o400`, or `256`), or leave `mode` out.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const ref of svc.secrets) {
        const problem = modeProblem(ref, svc.name);
        if (problem) report(problem, ref.modeOrigin ?? ref.origin);
      }
  },
});
