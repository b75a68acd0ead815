import { composeRule } from './context.js';

export const undefinedSecret = composeRule({
  meta: {
    id: 'DA-CMP-009',
    name: 'undefined-secret',
    severity: 'error',
    area: 'input',
    summary: 'Every secret a service references is defined under the top-level `secrets:`.',
    rationale: 'Docker Compose refuses a service that uses an undefined secret; the deploy would fail.',
    fix: 'Define the secret at the top level (`secrets: NAME: file: ../secrets/NAME.txt`), usually in the prod file.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const ref of svc.secrets)
        if (!ctx.model.secrets[ref.source])
          report(
            `service "${svc.name}" uses secret "${ref.source}", which no top-level secrets: entry defines`,
            ref.origin,
          );
  },
});
