import { composeRule } from './context.js';
import { usedSecrets } from './secret-files.js';

export const secretNotFile = composeRule({
  meta: {
    id: 'DA-CMP-028',
    name: 'secret-not-file',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret used in prod is defined at the top level with `file:`.',
    rationale:
      'The deploy writes secret files on the server; a secret from `environment:` puts the value back in the process environment, and `external` secrets need Swarm.',
    fix: 'Define `secrets: NAME: file: ../secrets/NAME.txt`.',
  },
  check(ctx, report) {
    for (const secret of usedSecrets(ctx)) {
      if (secret.file && secret.resolvedFile) continue;
      const how = secret.environment
        ? `from the environment variable ${secret.environment.value}`
        : secret.external
          ? 'as external'
          : 'without file:';
      report(
        `secret "${secret.name}" is defined ${how}; prod secrets are files the deploy writes (file: ../secrets/${secret.name}.txt)`,
        secret.environment?.origin ?? secret.origin,
      );
    }
  },
});
