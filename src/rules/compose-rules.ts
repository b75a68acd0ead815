import { defineRules } from './rule.js';

/**
 * Compose rules. DA-CMP-00x are input problems (the files cannot be read as Compose would read them);
 * DA-CMP-02x and up hold the merged prod model (base + prod overrides) to the seed's prod layout.
 */
export const COMPOSE_RULES = defineRules([
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
      'Nested aliases can expand a small file into billions of nodes ("billion laughs"), exhausting memory; the check refuses such files rather than hang.',
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
    id: 'DA-CMP-009',
    name: 'undefined-secret',
    severity: 'error',
    area: 'input',
    summary: 'Every secret a service references is defined under the top-level `secrets:`.',
    rationale: 'Docker Compose refuses a service that uses an undefined secret; the deploy would fail.',
    fix: 'Define the secret at the top level (`secrets: NAME: file: ../secrets/NAME.txt`), usually in the prod file.',
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
    id: 'DA-CMP-011',
    name: 'env-file-missing',
    severity: 'notice',
    area: 'compose',
    summary: 'An `env_file` that is not in the checkout is reported, not fatal.',
    rationale:
      'Prod env files (`.env.prod`) are gitignored, so CI checkouts lack them; the server has them. Their contents cannot be checked here.',
    fix: 'Nothing to do if the file exists on the server; commit a `.env.prod.example` so reviewers see which keys it holds.',
  },
  {
    id: 'DA-CMP-012',
    name: 'secret-file-missing',
    severity: 'notice',
    area: 'compose',
    summary: 'A secret `file:` that is not in the checkout is reported, not fatal.',
    rationale:
      'Secret files are gitignored by design, so CI checkouts lack them; the deploy writes them on the server.',
    fix: 'Nothing to do: the deploy step writes the file on the server from a GitHub secret.',
  },
  {
    id: 'DA-CMP-020',
    name: 'host-bind-mount',
    severity: 'error',
    area: 'compose',
    summary: 'Prod services mount no host paths (bind mounts).',
    rationale:
      'A bind mount ties the container to files on one server, outside the immutable image; an override cannot remove a base-file mount without `volumes: !reset []`.',
    fix: 'Bake the files into the image, use a declared data volume, or reset the list in the prod file with `volumes: !reset []`.',
  },
  {
    id: 'DA-CMP-021',
    name: 'docker-socket-mount',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service mounts the Docker socket.',
    rationale: 'Access to `/var/run/docker.sock` is root on the host: anyone who compromises the app owns the server.',
    fix: 'Remove the mount; if a tool truly needs the engine, put a restricted socket proxy in front of it.',
  },
  {
    id: 'DA-CMP-022',
    name: 'source-code-mount',
    severity: 'error',
    area: 'compose',
    summary: 'Prod services do not mount source code from the build context or project over the built image.',
    rationale:
      'Hot-reload mounts belong to the dev override: in prod they run whatever files sit on the server instead of the reviewed, built image.',
    fix: 'Move the mount to `docker-compose.dev.yml`; if it is in the base file, add `volumes: !reset []` to the prod service.',
  },
  {
    id: 'DA-CMP-023',
    name: 'undeclared-named-volume',
    severity: 'warning',
    area: 'compose',
    summary:
      'Named volumes in prod are declared data volumes (label `com.doongzi.deploy-action.data: "true"` on the top-level volume).',
    rationale:
      'State in prod lives in managed services; a named volume is either deliberate data (declare it) or a leftover that shadows files of the new image.',
    fix: 'Remove the volume, or declare it: `volumes: NAME: labels: com.doongzi.deploy-action.data: "true"`.',
  },
  {
    id: 'DA-CMP-024',
    name: 'stateful-service',
    severity: 'error',
    area: 'compose',
    summary:
      'Prod runs no database, cache or broker containers (postgres, mysql, mariadb, mongo, redis, valkey, memcached, rabbitmq, elasticsearch, ...).',
    rationale:
      'The seed uses managed services (RDS, ElastiCache) in prod: backups, failover and upgrades are not a container on the app host.',
    fix: "Move the service to the dev override and point the app at the managed service's address via `.env.prod`.",
  },
  {
    id: 'DA-CMP-025',
    name: 'resource-limits',
    severity: 'error',
    area: 'compose',
    summary:
      'Every prod service has a CPU and a memory limit (`deploy.resources.limits.cpus`/`memory`, or `cpus`/`mem_limit`).',
    rationale: 'Without limits one runaway container starves the host and every other service on it.',
    fix: 'Add `deploy: resources: limits: { cpus: "1.0", memory: 512M }` to the service in the prod file.',
  },
  {
    id: 'DA-CMP-026',
    name: 'secret-long-syntax',
    severity: 'error',
    area: 'compose',
    summary: 'Services reference secrets in long syntax (`source`, `target`, `mode`).',
    rationale: 'The short syntax cannot state the mode; the seed requires the mode to be written down.',
    fix: 'Write `- source: NAME` / `target: NAME` / `mode: 0400`.',
  },
  {
    id: 'DA-CMP-027',
    name: 'secret-mode',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret a service uses has `mode: 0400` or stricter (no group or other bits, no write or execute).',
    rationale:
      'A secret readable by other users in the container is readable by any process that drops privileges or runs as another uid.',
    fix: 'Set `mode: 0400` unquoted (or `0o400`, or `256`). A quoted `"0400"` is read by Compose as the decimal 400, which is 0620.',
  },
  {
    id: 'DA-CMP-028',
    name: 'secret-not-file',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret used in prod is defined at the top level with `file:`.',
    rationale:
      'The deploy writes secret files on the server; a secret from `environment:` puts the value back in the process environment, and `external` secrets need Swarm.',
    fix: 'Define `secrets: NAME: file: ../secrets/NAME.txt`.',
  },
  {
    id: 'DA-CMP-029',
    name: 'secret-file-not-gitignored',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret file is ignored by git (`git check-ignore`).',
    rationale: 'A secret file that git does not ignore is one `git add .` away from the repository history.',
    fix: 'Add the secrets directory (e.g. `secrets/`) to `.gitignore`.',
  },
  {
    id: 'DA-CMP-030',
    name: 'secret-file-in-image',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret file is outside the build context or excluded by `.dockerignore`.',
    rationale:
      'A secret inside the build context is sent to the builder and a broad `COPY . .` bakes it into an image layer for good.',
    fix: 'Add the secrets directory (e.g. `secrets/`) to the `.dockerignore` at the build context root, or move it outside the context.',
  },
  {
    id: 'DA-CMP-031',
    name: 'secret-mode-ignored',
    severity: 'notice',
    area: 'compose',
    summary:
      "Docker Compose ignores `mode` (and `uid`/`gid`) on file secrets; the host file's owner and mode are what the container sees.",
    rationale:
      'A root-owned 0400 file is unreadable to a non-root `appuser`, and a 0644 file is readable by all; the mode in the compose file does not help.',
    fix: "Nothing to change: the deploy writes each secret file at 0400, owned by the image's runtime uid. Create it the same way if you deploy by hand.",
  },
  {
    id: 'DA-CMP-032',
    name: 'secret-in-environment',
    severity: 'error',
    area: 'compose',
    summary:
      'No prod environment variable with a secret-like name (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL, ...) carries a value.',
    rationale:
      '`docker inspect` shows the whole environment, whether the value was written literally or interpolated from `${VAR}`.',
    fix: 'Pass the secret as a file: define a Compose secret and set `NAME_FILE: /run/secrets/NAME` for the app to read.',
  },
  {
    id: 'DA-CMP-033',
    name: 'secret-in-env-file',
    severity: 'error',
    area: 'compose',
    summary: 'The prod `env_file` holds no secret-like key with a value.',
    rationale: 'An env file is loaded into the container environment, where `docker inspect` shows it.',
    fix: 'Keep settings without passwords in `.env.prod`; move each password to a secret file read via `*_FILE`.',
  },
  {
    id: 'DA-CMP-034',
    name: 'secret-tracked-by-git',
    severity: 'error',
    area: 'compose',
    summary: 'No `.env`, env file or secret file is tracked by git (`git ls-files`).',
    rationale: 'A tracked secret is in the history of every clone; ignoring it later does not remove it.',
    fix: 'Run `git rm --cached FILE`, add it to `.gitignore`, and rotate the secret.',
  },
  {
    id: 'DA-CMP-035',
    name: 'env-file-not-gitignored',
    severity: 'error',
    area: 'compose',
    summary: '`.env` and the prod env files are ignored by git.',
    rationale:
      '`.env` holds dev passwords and `.env.prod` server settings; both stay out of the repository (commit `.env.example`).',
    fix: 'Add `.env` and `.env.*` (with `!.env.example`) to `.gitignore`.',
  },
  {
    id: 'DA-CMP-036',
    name: 'secret-example-missing',
    severity: 'warning',
    area: 'compose',
    summary: '`secrets.example/` has an entry for every secret file.',
    rationale: "Whoever sets up a server (or the deploy's secret mapping) learns from it which secret files exist.",
    fix: 'Commit `secrets.example/FILE` with a placeholder value for each secret file.',
  },
  {
    id: 'DA-CMP-037',
    name: 'root-user',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service sets `user:` to root or 0.',
    rationale: "`user: root` silently undoes the Dockerfile's non-root `appuser`.",
    fix: "Remove `user:` (the image's `USER appuser` applies) or set a non-root uid.",
  },
  {
    id: 'DA-CMP-038',
    name: 'privileged',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service is `privileged`.',
    rationale: "A privileged container has every capability and the host's devices: it is root on the host.",
    fix: 'Remove `privileged: true`; add only the capability the service needs with `cap_add`.',
  },
  {
    id: 'DA-CMP-039',
    name: 'host-network',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service uses `network_mode: host`.',
    rationale: 'The host network exposes every port the app opens on the server and removes network isolation.',
    fix: 'Use a Compose network and publish only the ports needed.',
  },
  {
    id: 'DA-CMP-040',
    name: 'host-pid',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service uses `pid: host`.',
    rationale: 'Sharing the host PID namespace lets the container see and signal every process on the server.',
    fix: 'Remove `pid: host`.',
  },
  {
    id: 'DA-CMP-041',
    name: 'dangerous-capability',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service adds the `ALL` or `SYS_ADMIN` capability.',
    rationale: 'Both amount to root on the host for a compromised container.',
    fix: 'Add only the narrow capability needed (e.g. `NET_BIND_SERVICE`), or none.',
  },
  {
    id: 'DA-CMP-042',
    name: 'image-not-pinned',
    severity: 'error',
    area: 'compose',
    summary: 'Every prod image has an explicit tag other than `latest` (or a digest).',
    rationale: 'An untagged or `latest` image changes under the same config: rollbacks and reviews lose their meaning.',
    fix: 'Tag the image with the release version, e.g. `image: org/app:${APP_VERSION:-dev}`, or pin a digest.',
  },
  {
    id: 'DA-CMP-043',
    name: 'restart-policy',
    severity: 'warning',
    area: 'compose',
    summary: 'Every prod service sets a `restart` policy other than `no`.',
    rationale: 'Without one, a crash or a server reboot leaves the service down until someone notices.',
    fix: 'Set `restart: unless-stopped` (or `always`).',
  },
  {
    id: 'DA-CMP-044',
    name: 'healthcheck',
    severity: 'warning',
    area: 'compose',
    summary: 'Every prod service has a `healthcheck` (here or in its image).',
    rationale:
      'The deploy waits for health before it declares success and rolls back on failure; without one it can only wait for "running".',
    fix: 'Add `healthcheck: test: [...]` with an interval, timeout and retries to the prod file.',
  },
] as const);

export type ComposeRuleId = (typeof COMPOSE_RULES)[number]['id'];

const BY_ID = new Map<string, (typeof COMPOSE_RULES)[number]>(COMPOSE_RULES.map((r) => [r.id, r]));

export function composeRule(id: ComposeRuleId): (typeof COMPOSE_RULES)[number] {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown compose rule ${id}`);
  return rule;
}
