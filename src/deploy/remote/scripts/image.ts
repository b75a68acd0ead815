/** The release image on a host: is it there, tag it, pull it (throwaway login), load it from stdin. */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';

export const IMAGE_EXIT = { absent: 1 } as const;

export function imageProbeScript(id: string): RemoteScript {
  return remoteScript(
    'image-probe',
    'docker image inspect',
    IMAGE_EXIT,
    sh`docker image inspect --format '{{.Id}}' -- ${id}`,
  );
}

export function tagImageScript(id: string, refs: readonly string[]): RemoteScript {
  return remoteScript(
    'image-tag',
    'docker tag',
    IMAGE_EXIT,
    lines(raw('set -eu'), ...refs.map((r) => sh`docker tag ${id} ${r}`)),
  );
}

/** The pull's own failures: the throwaway login refused, or the pull itself. */
export const PULL_EXIT = { login: 3, pull: 4 } as const;

/**
 * A throwaway DOCKER_CONFIG: the credentials (password on stdin) do not outlive the pull on the host. With the
 * digest the push reported, the pull is by digest (`repo@sha256:…`), so a tag moved meanwhile cannot change what
 * runs; the release tags then point at it.
 */
export function registryPullScript(
  server: string,
  username: string | undefined,
  refs: readonly string[],
  digest?: string,
): RemoteScript {
  const [first, ...rest] = refs as [string, ...string[]];
  const source = digest ? `${first.slice(0, first.lastIndexOf(':'))}@${digest}` : first;
  // `docker login` takes the registry host; a server input may carry a namespace path (ghcr.io/org).
  const host = server.split('/')[0]!;
  return remoteScript(
    'image-pull',
    'docker pull',
    PULL_EXIT,
    lines(
      raw('set -eu'),
      raw('d=$(mktemp -d)'),
      raw(`trap 'rm -rf -- "$d"' EXIT`),
      username !== undefined &&
        sh`DOCKER_CONFIG="$d" docker login --username ${username} --password-stdin -- ${host} >/dev/null || exit ${PULL_EXIT.login}`,
      sh`DOCKER_CONFIG="$d" docker pull -- ${source} >/dev/null || exit ${PULL_EXIT.pull}`,
      ...(digest ? refs : rest).map((r) => sh`docker tag ${source} ${r}`),
    ),
  );
}

export function imageLoadScript(): RemoteScript {
  return remoteScript('image-load', 'docker load (image streamed over SSH)', IMAGE_EXIT, raw('docker load'));
}
