import { dockerfileRule, instructionAt } from './context.js';
import { lastUser } from './last-user.js';

export const userFromUnsetArg = dockerfileRule({
  meta: {
    id: 'DA-DF-006',
    name: 'user-from-unset-arg',
    severity: 'warning',
    area: 'dockerfile',
    summary: 'The final `USER` does not hang on an ARG that has no default and no build-arg.',
    rationale:
      'With no value in the Dockerfile or the `build-args` input, the text cannot tell whether the container runs as root; only the image proof (DA-IMG-001) can.',
    fix: 'Give the ARG a non-root default (`ARG UID=10001`) or pass it in `build-args`.',
  },
  check(ctx, report) {
    const found = lastUser(ctx);
    if (!found?.user.unknown.length) return;
    const names = found.user.unknown.join(', ');
    // A global ARG is not seen after FROM unless redeclared: the usual slip behind an empty USER.
    const global = found.user.unknown.filter((n) => ctx.parsed.globalArgs.has(n) && !found.instruction.scope.has(n));
    const hint = global.length
      ? ` ${global.map((n) => `ARG ${n}`).join(', ')} is declared before the first FROM only: redeclare it in this stage.`
      : '';
    report(
      `USER ${found.raw} depends on ${names}, which this Dockerfile gives no value (no default, no build-arg): the text cannot tell whether the container runs as root, only the image proof (DA-IMG-001) can.${hint}`,
      instructionAt(ctx, found.instruction),
    );
  },
});
