import { defineRules } from './rule.js';

/** Rules proven from the built image itself: its config and its layers as `docker save` streams them. */
export const IMAGE_RULES = defineRules([
  {
    id: 'DA-IMG-001',
    name: 'runs-as-root',
    severity: 'error',
    area: 'image',
    summary: 'The image runs as a non-root user, resolved through its own /etc/passwd.',
    rationale: 'An empty `User` or any account with uid 0 (whatever its name) is root inside the container.',
    fix: 'End the runner stage with `USER appuser` (an account with a non-zero uid) or a numeric `USER 65532`.',
    supersedes: ['DA-DF-002'],
  },
  {
    id: 'DA-IMG-002',
    name: 'unknown-user',
    severity: 'error',
    area: 'image',
    summary: "The image's `USER` name exists in the image's /etc/passwd (and its group in /etc/group).",
    rationale: 'A user name the image does not define makes every container start fail.',
    fix: 'Create the account in the runner stage (`useradd`) or use a numeric uid.',
  },
  {
    id: 'DA-IMG-003',
    name: 'build-tool-in-image',
    severity: 'error',
    area: 'image',
    summary: 'The runtime filesystem carries no build tools (compilers, binutils, make, uv, poetry, cargo, go, git…).',
    rationale:
      'Build tools let an attacker who gets code execution compile and fetch more; the seed keeps them in the builder.',
    fix: 'Install the tool in the builder stage only and copy just the results; or list it in `allowed-tools` if the app needs it.',
  },
  {
    id: 'DA-IMG-004',
    name: 'deleted-tool-still-shipped',
    severity: 'warning',
    area: 'image',
    summary: 'No build tool is added by one layer and deleted by a later one.',
    rationale: 'Deleting in a later layer hides the file at runtime but every pull still downloads it.',
    fix: 'Install and remove in the same `RUN`, or better, keep the tool in the builder stage.',
  },
]);
