/**
 * The release image on a host: is it there, which layer chains does it hold, tag it, pull it (throwaway login), load
 * it from stdin.
 */
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

/**
 * The engine's store (`driver=` the `docker info` DriverStatus as JSON: the containerd image store says
 * `io.containerd.snapshotter.v1`) and one `chain=` record per image (its `RootFS.Layers`, base first, comma-joined):
 * `docker load` skips a layer whose whole chain below it the engine holds, and every image's layers are such chains.
 * NUL-framed records (a diff ID holds no comma, newline or NUL).
 */
export function imageLayersScript(): RemoteScript {
  return remoteScript(
    'image-layers',
    'docker image inspect (layers held)',
    IMAGE_EXIT,
    lines(
      raw('set -u'),
      raw(String.raw`printf 'driver=%s\0' "$(docker info --format '{{json .DriverStatus}}' 2>/dev/null)"`),
      raw(
        String.raw`docker image ls -aq --no-trunc | sort -u | xargs -r docker image inspect --format 'chain={{join .RootFS.Layers ","}}' | tr '\n' '\0'`,
      ),
    ),
  );
}

/**
 * `docker load` from stdin, through `dd` so the host counts what it read itself (`received=` bytes, from dd's
 * summary in the C locale): the figure the summary reports is measured where the bytes arrive. The pipeline's
 * status is the load's.
 */
export function imageLoadScript(): RemoteScript {
  return remoteScript(
    'image-load',
    'docker load (image streamed over SSH)',
    IMAGE_EXIT,
    lines(
      raw('set -eu'),
      raw('n=$(mktemp)'),
      raw(`trap 'rm -f -- "$n"' EXIT`),
      raw('LC_ALL=C dd bs=65536 2>"$n" | docker load >/dev/null'),
      raw(String.raw`printf 'received=%s\0' "$(sed -n 's/^\([0-9][0-9]*\) bytes.*/\1/p' "$n")"`),
    ),
  );
}
