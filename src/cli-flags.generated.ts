// Generated from action.yml by scripts/cli-flags.mjs: do not edit. `npm run package` regenerates it; lint fails when stale.

export interface CliFlag {
  /** The action input, and the flag without its `--`. */
  name: string;
  description: string;
  /** action.yml's default, as the runner would pass it. */
  default: string;
  /** A `true`/`false` input: given as `--name` or `--no-name`, with no value. */
  boolean: boolean;
}

/** Every check input of action.yml, in its order. */
export const CHECK_FLAGS: readonly CliFlag[] = [
  {
    "name": "working-directory",
    "description": "Directory of the project; every other path is relative to it.",
    "default": ".",
    "boolean": false
  },
  {
    "name": "dockerfile",
    "description": "Path of the Dockerfile.",
    "default": "deploy/Dockerfile",
    "boolean": false
  },
  {
    "name": "context",
    "description": "Build context directory.",
    "default": ".",
    "boolean": false
  },
  {
    "name": "target",
    "description": "Stage to build and verify. Default: the Dockerfile's last stage.",
    "default": "",
    "boolean": false
  },
  {
    "name": "build-args",
    "description": "Build arguments, one `NAME=value` per line.",
    "default": "",
    "boolean": false
  },
  {
    "name": "secrets",
    "description": "Build secrets, one `id=value` per line (as docker/build-push-action), for `RUN --mount=type=secret,id=...`. The value reaches buildx through its own environment only: never the command line, the log (masked) or the disk. Deploy mode's compose secret mapping is `deploy-secrets`.",
    "default": "",
    "boolean": false
  },
  {
    "name": "secret-envs",
    "description": "Build secrets read from environment variables of the step, `id=ENV_VAR` per line or comma-separated (as docker/build-push-action).",
    "default": "",
    "boolean": false
  },
  {
    "name": "secret-files",
    "description": "Build secrets read from files, `id=path` per line (relative to `working-directory`).",
    "default": "",
    "boolean": false
  },
  {
    "name": "ssh",
    "description": "SSH agent sockets or keys for `RUN --mount=type=ssh`, e.g. `default` (as `docker buildx build --ssh`).",
    "default": "",
    "boolean": false
  },
  {
    "name": "platforms",
    "description": "Target platforms, comma- or newline-separated. One image is loaded and verified: the builder's native platform when listed, else the first; the others are named as not verified (the docker driver cannot load more than one). With `image` naming an OCI index: the platforms of it to verify (empty: every platform in the index).",
    "default": "",
    "boolean": false
  },
  {
    "name": "cache-from",
    "description": "Cache sources, one per line (e.g. `type=gha,scope=app`). Default, when neither cache input is set and the runner has the GitHub cache service and a builder that can export: `type=gha` with a scope derived from working-directory, dockerfile and target.",
    "default": "",
    "boolean": false
  },
  {
    "name": "cache-to",
    "description": "Cache destinations, one per line (e.g. `type=gha,mode=max,scope=app`). Default: see `cache-from`.",
    "default": "",
    "boolean": false
  },
  {
    "name": "no-cache",
    "description": "Build without any cache.",
    "default": "false",
    "boolean": true
  },
  {
    "name": "pull",
    "description": "Always pull the newer version of base images.",
    "default": "false",
    "boolean": true
  },
  {
    "name": "build-contexts",
    "description": "Additional build contexts, `name=path-or-url` per line (as `docker buildx build --build-context`).",
    "default": "",
    "boolean": false
  },
  {
    "name": "tags",
    "description": "Tags for the built image, newline- or comma-separated (e.g. the `tags` output of docker/metadata-action).",
    "default": "",
    "boolean": false
  },
  {
    "name": "labels",
    "description": "Labels for the built image, `key=value` per line (e.g. the `labels` output of docker/metadata-action). `org.opencontainers.image.source`, `.revision` and `.version` (on tags) are set from the run unless given here.",
    "default": "",
    "boolean": false
  },
  {
    "name": "network",
    "description": "Network mode for RUN instructions during the build (as docker/build-push-action), e.g. `none` or `host`. Empty: the engine default.",
    "default": "",
    "boolean": false
  },
  {
    "name": "image",
    "description": "Verify this image instead of building one (nothing is built): an engine image name or ID (e.g. docker/build-push-action `imageid` with `load: true`), or read with no engine `docker-archive:PATH` (a `docker save` tar, gzip or not), `oci-archive:PATH` (a tar of an OCI layout, as buildx `type=oci,dest=x.tar`) or `oci-layout:DIR` (buildx `type=oci,dest=DIR,tar=false`). Paths are relative to `working-directory`.",
    "default": "",
    "boolean": false
  },
  {
    "name": "build",
    "description": "`false`: Dockerfile and Compose rules only, no build and no image proof (a notice says so); needs no Docker engine. Cannot be combined with `image`.",
    "default": "true",
    "boolean": true
  },
  {
    "name": "compose-files",
    "description": "Prod Compose files, in override order, separated by newlines or spaces.",
    "default": "deploy/docker-compose.yml deploy/docker-compose.prod.yml",
    "boolean": false
  },
  {
    "name": "env-vars",
    "description": "Names of step-environment variables (newlines or spaces) that Compose interpolation may see, for the check and the deploy alike; no other variable of the step reaches the model. The project `.env` still applies under them; empty means the `.env` and the files' `${VAR:-default}` defaults only. A listed name that is not set fails.",
    "default": "",
    "boolean": false
  },
  {
    "name": "forbidden-tools",
    "description": "Extra file names (or globs) counted as build tools, separated by newlines, spaces or commas.",
    "default": "",
    "boolean": false
  },
  {
    "name": "allowed-tools",
    "description": "Names removed from the build-tool list (e.g. `git` if the app needs it at runtime).",
    "default": "",
    "boolean": false
  },
  {
    "name": "fail-on",
    "description": "Lowest severity that fails the step: `error`, `warning` or `never`.",
    "default": "error",
    "boolean": false
  },
  {
    "name": "sarif-file",
    "description": "Write the findings as SARIF 2.1.0 to this path (for github/codeql-action/upload-sarif). Empty: no SARIF.",
    "default": "",
    "boolean": false
  },
  {
    "name": "config-file",
    "description": "Rule settings (disable a rule or change its severity).",
    "default": ".github/deploy-action.yml",
    "boolean": false
  }
];

/** Deploy mode's inputs: not flags, since the CLI checks and never deploys. */
export const DEPLOY_INPUTS: readonly string[] = ["deploy-target","ssh-host","ssh-port","ssh-user","ssh-key","ssh-key-passphrase","ssh-known-hosts","ssh-jump-host","ssh-connect-timeout","ssh-command-timeout","lock-timeout","deploy-path","project-name","deploy-secrets","secret-owner","rollout","image-delivery","registry","registry-username","registry-password","env-file","health-timeout","keep-releases","allow-non-tag","pre-deploy","post-deploy","hook-service","hook-timeout","url"];

/** Inputs that mean something only in a workflow run (mode, PR comment, job summary, token). */
export const GITHUB_ONLY_INPUTS: readonly string[] = ["mode","comment","comment-key","summary","github-token"];
