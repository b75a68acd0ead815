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
    "name": "network",
    "description": "Network mode for RUN instructions during the build (as docker/build-push-action), e.g. `none` or `host`. Empty: the engine default.",
    "default": "",
    "boolean": false
  },
  {
    "name": "compose-files",
    "description": "Prod Compose files, in override order, separated by newlines or spaces.",
    "default": "deploy/docker-compose.yml deploy/docker-compose.prod.yml",
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
export const DEPLOY_INPUTS: readonly string[] = ["deploy-target","ssh-host","ssh-port","ssh-user","ssh-key","ssh-key-passphrase","ssh-known-hosts","ssh-jump-host","ssh-connect-timeout","ssh-command-timeout","deploy-path","project-name","secrets","secret-owner","image-delivery","registry","registry-username","registry-password","env-file","health-timeout","keep-releases","allow-non-tag"];

/** Inputs that mean something only in a workflow run (mode, PR comment, job summary, token). */
export const GITHUB_ONLY_INPUTS: readonly string[] = ["mode","comment","comment-key","summary","github-token"];
