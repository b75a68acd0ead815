import { groupByInstruction, imageRule } from './context.js';

export const setuidFile = imageRule({
  meta: {
    id: 'DA-IMG-007',
    name: 'setuid-file',
    severity: 'warning',
    area: 'image',
    summary: 'No setuid/setgid file beyond the usual set of the base distributions (passwd, su, mount…).',
    rationale: 'A setuid program is a way back to root for a process that runs as the non-root USER.',
    fix: 'Drop the program from the runner stage, or clear the bit (`chmod u-s,g-s FILE`) in the RUN that installs it.',
  },
  check(ctx, report) {
    for (const group of groupByInstruction(ctx.setuidFiles)) {
      const files = group.files.map((f) => `/${f.path} (${f.detail})`).join(', ');
      report(`Setuid/setgid files in the runtime image, added by ${group.where}: ${files}.`, group.location);
    }
  },
});
