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

/** A throwaway DOCKER_CONFIG: the credentials (password on stdin) do not outlive the pull on the host. */
export function registryPullScript(
  server: string,
  username: string | undefined,
  refs: readonly string[],
): RemoteScript {
  const [first, ...rest] = refs as [string, ...string[]];
  return remoteScript(
    'image-pull',
    'docker pull',
    IMAGE_EXIT,
    lines(
      raw('set -eu'),
      raw('d=$(mktemp -d)'),
      raw(`trap 'rm -rf -- "$d"' EXIT`),
      username !== undefined &&
        sh`DOCKER_CONFIG="$d" docker login --username ${username} --password-stdin -- ${server} >/dev/null`,
      sh`DOCKER_CONFIG="$d" docker pull -- ${first} >/dev/null`,
      ...rest.map((r) => sh`docker tag ${first} ${r}`),
    ),
  );
}

export function imageLoadScript(): RemoteScript {
  return remoteScript('image-load', 'docker load (image streamed over SSH)', IMAGE_EXIT, raw('docker load'));
}
