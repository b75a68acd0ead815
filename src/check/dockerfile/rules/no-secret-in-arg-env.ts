import { hasUrlCredentials, isSecretLikeKey } from '../../../rules/secret-names.js';
import { dockerfileRule } from './context.js';

export const noSecretInArgEnv = dockerfileRule({
  meta: {
    id: 'DA-DF-004',
    name: 'no-secret-in-arg-env',
    severity: 'error',
    area: 'dockerfile',
    summary: 'No `ARG` or `ENV` carries a secret-like value (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL…).',
    rationale: 'ENV values are stored in the image config and ARG values in its history: `docker inspect` shows both.',
    fix: 'Use `RUN --mount=type=secret,id=…` at build time and secret files (`*_FILE`) at run time.',
  },
  check(ctx, report) {
    // ARGs before the first FROM land in the history of every stage that redeclares them: checked the same way.
    const instructions = [ctx.parsed.globalInstructions, ...ctx.parsed.stages.map((s) => s.instructions)];
    for (const list of instructions) {
      for (const i of list) {
        if (i.keyword !== 'ENV' && i.keyword !== 'ARG') continue;
        for (const p of i.properties) {
          const at = { file: ctx.file, line: p.line, column: p.column };
          if (p.value && hasUrlCredentials(p.value)) {
            report(`${i.keyword} ${p.name} holds a URL with a password (user:password@): docker inspect shows it.`, at);
            continue;
          }
          if (!isSecretLikeKey(p.name)) continue;
          // An ARG without a default only declares the name; its value comes at build time.
          if (i.keyword === 'ENV' || p.value)
            report(
              `${i.keyword} ${p.name} puts a secret-like value into the image (docker inspect / docker history show it).`,
              at,
            );
        }
      }
    }
  },
});
