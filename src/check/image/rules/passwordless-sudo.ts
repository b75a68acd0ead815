import { imageRule } from './context.js';

export const passwordlessSudo = imageRule({
  meta: {
    id: 'DA-IMG-005',
    name: 'passwordless-sudo',
    severity: 'error',
    area: 'image',
    summary: "The image's /etc/sudoers and /etc/sudoers.d/* grant nothing with `NOPASSWD`.",
    rationale:
      'Passwordless sudo makes the non-root USER root again; the file may come from a COPY the text rule cannot read.',
    fix: 'Remove the sudoers rule (and sudo) from the runner stage.',
    supersedes: ['DA-DF-007'],
  },
  check(ctx, report) {
    for (const grant of ctx.sudoGrants)
      report(
        `/${grant.path} (${grant.detail}) lets a user run sudo without a password; written by ${grant.where}.`,
        grant.location,
      );
  },
});
