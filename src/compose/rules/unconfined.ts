import { composeRule } from './context.js';

/** `security_opt` values that switch a confinement off; Docker takes both `:` and `=`. */
const UNCONFINED: Record<string, string> = {
  'seccomp:unconfined': 'the seccomp filter (every syscall is allowed)',
  'apparmor:unconfined': 'the AppArmor profile',
  'label:disable': 'SELinux labelling',
  'systempaths:unconfined': 'the masking of /proc and /sys paths',
};

export const unconfined = composeRule({
  meta: {
    id: 'DA-CMP-047',
    name: 'unconfined',
    severity: 'error',
    area: 'compose',
    summary:
      'No prod service switches off seccomp, AppArmor or SELinux (`security_opt: seccomp:unconfined`, `apparmor:unconfined`, `label:disable`).',
    rationale:
      'These profiles block the syscalls and paths container escapes use; without them a kernel bug or a mounted path is one step from the host.',
    fix: 'Remove the option; if one syscall is missing, pass a custom seccomp profile that allows just it (`seccomp=./profile.json`).',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const opt of svc.securityOpt) {
        const key = opt.value.trim().replace('=', ':').toLowerCase();
        const what = UNCONFINED[key];
        if (what) report(`service "${svc.name}" sets security_opt ${opt.value}, switching off ${what}`, opt.origin);
      }
  },
});
