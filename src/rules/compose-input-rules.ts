import { defineRules } from './rule.js';

/**
 * Compose input errors: the files cannot be read as Docker Compose would read them. The loader raises them; the prod
 * rules of the merged model (DA-CMP-009, DA-CMP-011 and up) are modules in src/compose/rules/.
 */
export const COMPOSE_INPUT_RULES = defineRules([
  {
    id: 'DA-CMP-001',
    name: 'compose-file-unreadable',
    severity: 'error',
    area: 'input',
    summary: 'Every compose file given to the check exists and can be read.',
    rationale: 'The merge of base and prod overrides is only meaningful with every file Compose would read.',
    fix: 'Check the `compose-files` input: paths are relative to the working directory and must exist in the checkout.',
  },
  {
    id: 'DA-CMP-002',
    name: 'yaml-syntax',
    severity: 'error',
    area: 'input',
    summary: 'A compose file is valid YAML.',
    rationale: 'Docker Compose refuses a file it cannot parse; the deploy would fail on the server.',
    fix: 'Fix the YAML at the reported line (indentation, unclosed quotes or brackets, tabs, duplicate keys).',
  },
  {
    id: 'DA-CMP-003',
    name: 'yaml-alias-bomb',
    severity: 'error',
    area: 'input',
    summary: 'A compose file does not expand YAML aliases excessively.',
    rationale:
      'Nested aliases can expand a small file into billions of nodes ("billion laughs"), exhausting memory; the check refuses a file whose aliases expand to more than 200,000 nodes or 16 MiB of text rather than hang. How many aliases a file uses does not matter: large anchor-heavy files pass.',
    fix: 'Use fewer, shallower anchors and aliases, or `extends`, to share configuration.',
  },
  {
    id: 'DA-CMP-004',
    name: 'compose-file-too-large',
    severity: 'error',
    area: 'input',
    summary: 'A compose file is at most 1 MiB.',
    rationale:
      'Real compose files are a few kilobytes; a huge file is a mistake or an attack, and is refused before parsing.',
    fix: 'Point the check at the right file; split generated content out of the compose file.',
  },
  {
    id: 'DA-CMP-005',
    name: 'compose-not-a-mapping',
    severity: 'error',
    area: 'input',
    summary: 'A compose file is a YAML mapping at the top level (or empty).',
    rationale:
      'Compose reads `services`, `secrets` and the rest from a top-level mapping; a list or a scalar is not a compose file.',
    fix: 'Make the file a mapping with a `services:` key.',
  },
  {
    id: 'DA-CMP-006',
    name: 'unknown-top-level-key',
    severity: 'error',
    area: 'input',
    summary:
      'Top-level keys are among `name`, `services`, `networks`, `volumes`, `secrets`, `configs`, `include`, `version` or start with `x-`.',
    rationale:
      'Docker Compose rejects unknown top-level keys; a typo (`service:`) silently drops the whole section from review.',
    fix: "Fix the key's spelling, or prefix custom data with `x-`.",
  },
  {
    id: 'DA-CMP-007',
    name: 'required-variable-unset',
    severity: 'error',
    area: 'input',
    summary: 'A `${VAR:?message}` or `${VAR?message}` interpolation has its variable set.',
    rationale: 'Docker Compose refuses to load the project when a required variable is missing; the deploy would fail.',
    fix: "Set the variable in the job's environment or the project `.env`, or give it a default with `${VAR:-default}`.",
  },
  {
    id: 'DA-CMP-008',
    name: 'invalid-interpolation',
    severity: 'error',
    area: 'input',
    summary: 'Every `$` in a value is a valid interpolation (`$VAR`, `${VAR...}`) or escaped as `$$`.',
    rationale: 'Docker Compose rejects an invalid template such as an unclosed `${`.',
    fix: 'Close the brace, or write a literal dollar sign as `$$`.',
  },
  {
    id: 'DA-CMP-010',
    name: 'invalid-compose-structure',
    severity: 'error',
    area: 'input',
    summary:
      'Values have the shape Compose expects and the files merge (e.g. a mapping is not overridden by a list, `extends` names an existing service).',
    rationale: 'Docker Compose refuses such files; the check reports where rather than guess.',
    fix: 'Give the value the documented form (see the Compose file reference) at the reported line.',
  },
  {
    id: 'DA-CMP-052',
    name: 'compose-schema',
    severity: 'error',
    area: 'input',
    summary: 'Every compose file follows the Compose Specification schema (no unknown keys, the right types).',
    rationale:
      'Docker Compose validates each file against the schema and refuses one that breaks it; a typo such as `enviroment:` would also hide its content (a password, say) from every other rule.',
    fix: "Fix the key's spelling or the value's type at the reported line; custom data goes under an `x-` key.",
  },
]);
