import path from 'node:path';
import type { ComposeModel } from '../compose/model.js';
import type { Origin } from '../compose/tree.js';

export interface ComposeTarget {
  /** The `build.target` stage name. */
  stage: string;
  service: string;
  origin: Origin;
}

/**
 * The stage a prod Compose service builds from this Dockerfile (`build.target`): with no `target` input, that is
 * the image that ships, so it is the one to check. Compose resolves `dockerfile` against the context, default
 * `Dockerfile`; the first service in file order decides.
 */
export function composeBuildTarget(model: ComposeModel | undefined, dockerfile: string): ComposeTarget | undefined {
  const wanted = path.resolve(dockerfile);
  for (const service of model?.services ?? []) {
    const build = service.build;
    if (!build?.target?.value || /^[a-z]+:\/\/|^git@/i.test(build.resolvedContext)) continue;
    const file = path.resolve(build.resolvedContext, build.dockerfile?.value ?? 'Dockerfile');
    if (file === wanted) return { stage: build.target.value, service: service.name, origin: build.target.origin };
  }
  return undefined;
}
