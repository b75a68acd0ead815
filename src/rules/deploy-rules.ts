import { defineRules } from './rule.js';

/** Deploy mode's own failures: each stops the deploy with one clear error. */
export const DEPLOY_RULES = defineRules([
  {
    id: 'DA-DEP-001',
    name: 'invalid-deploy-input',
    severity: 'error',
    area: 'deploy',
    summary: 'The deploy inputs are complete and consistent, checked before any connection is made.',
    rationale:
      'A missing host key pin, an unknown secret name or a path that leaves the release must stop the deploy before anything reaches the server.',
    fix: 'Correct the input the message names; the README lists every deploy input.',
  },
  {
    id: 'DA-DEP-002',
    name: 'deploy-failed',
    severity: 'error',
    area: 'deploy',
    summary: 'The release came up healthy on every host.',
    rationale:
      'A failed or unhealthy release is rolled back on that host and on the hosts already updated, so the fleet ends on one release.',
    fix: 'Read the failing service, its last health probe and its log lines in the message and the job summary.',
  },
  {
    id: 'DA-DEP-003',
    name: 'checks-failed',
    severity: 'error',
    area: 'deploy',
    summary: 'Deploy runs only after the full check passes.',
    rationale:
      'An image that runs as root or ships build tools, or a prod Compose file that leaks secrets, must never be deployed.',
    fix: 'Fix the check findings annotated on this run; the deploy starts once none is an error.',
  },
]);
