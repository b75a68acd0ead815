import { imageRule } from './context.js';

export const runsAsRoot = imageRule({
  meta: {
    id: 'DA-IMG-001',
    name: 'runs-as-root',
    severity: 'error',
    area: 'image',
    summary: 'The image runs as a non-root user, resolved through its own /etc/passwd.',
    rationale: 'An empty `User` or any account with uid 0 (whatever its name) is root inside the container.',
    fix: 'End the runner stage with `USER appuser` (an account with a non-zero uid) or a numeric `USER 65532`.',
    supersedes: ['DA-DF-002'],
  },
  check(ctx, report) {
    const { user, configuredUser } = ctx;
    // A user that does not resolve is DA-IMG-002's: no container starts at all.
    if (!user.ok || user.uid !== 0) return;
    const who =
      configuredUser === ''
        ? 'The image sets no USER, so it runs as root (uid 0)'
        : `USER '${configuredUser}' resolves to uid 0 (root)${user.name && user.name !== 'root' ? ` through the account '${user.name}' in /etc/passwd` : ''}`;
    report(`${who}. Run the final stage as a non-root account.`, ctx.userAt);
  },
});
