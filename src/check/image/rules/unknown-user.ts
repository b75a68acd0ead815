import { imageRule } from './context.js';

export const unknownUser = imageRule({
  meta: {
    id: 'DA-IMG-002',
    name: 'unknown-user',
    severity: 'error',
    area: 'image',
    summary: "The image's `USER` name exists in the image's /etc/passwd (and its group in /etc/group).",
    rationale: 'A user name the image does not define makes every container start fail.',
    fix: 'Create the account in the runner stage (`useradd`) or use a numeric uid.',
  },
  check(ctx, report) {
    if (!ctx.user.ok)
      report(
        `USER '${ctx.configuredUser}' cannot be resolved in the image: ${ctx.user.error}. Every container start would fail.`,
        ctx.userAt,
      );
  },
});
