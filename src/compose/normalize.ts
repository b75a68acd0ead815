/** The merged tree as the model the rules read (ComposeModel): services, top-level secrets and volumes. */
import type { Issue } from './issues.js';
import type { LoadResult } from './load.js';
import {
  type ComposeModel,
  DATA_VOLUME_LABEL,
  type ServiceModel,
  type TopLevelSecret,
  type TopLevelVolume,
} from './model.js';
import { buildService } from './service-model.js';
import { get, isMap, isScalar } from './tree.js';
import { isTrue, located, resolveComposePath } from './values.js';

export function buildModel(load: LoadResult, issues: Issue[]): ComposeModel | undefined {
  const root = load.root;
  if (!root) return undefined;
  const projectDir = load.projectDir;
  const services: ServiceModel[] = [];
  const servicesNode = get(root, 'services');
  if (isMap(servicesNode))
    for (const [name, e] of servicesNode.entries) {
      const node = isMap(e.value) ? e.value : { kind: 'map' as const, origin: e.keyOrigin, entries: new Map() };
      services.push(buildService(name, e.keyOrigin, node, projectDir, issues));
    }

  const secrets: Record<string, TopLevelSecret> = {};
  const secretsNode = get(root, 'secrets');
  if (isMap(secretsNode))
    for (const [name, e] of secretsNode.entries) {
      const file = located(get(e.value, 'file'));
      const ext = get(e.value, 'external');
      secrets[name] = {
        name,
        origin: e.keyOrigin,
        file,
        resolvedFile: file ? resolveComposePath(file.value, file.origin, projectDir) : undefined,
        environment: located(get(e.value, 'environment')),
        external: isTrue(ext) || isMap(ext),
      };
    }

  const volumes: Record<string, TopLevelVolume> = {};
  const volumesNode = get(root, 'volumes');
  if (isMap(volumesNode))
    for (const [name, e] of volumesNode.entries) {
      const labels: Record<string, string> = {};
      const l = get(e.value, 'labels');
      if (isMap(l))
        for (const [k, le] of l.entries)
          labels[k] = isScalar(le.value) && le.value.value !== null ? String(le.value.value) : '';
      const ext = get(e.value, 'external');
      volumes[name] = {
        name,
        origin: e.keyOrigin,
        labels,
        external: isTrue(ext) || isMap(ext),
        data: /^(true|1|yes)$/i.test(labels[DATA_VOLUME_LABEL] ?? ''),
      };
    }

  return {
    projectName: load.projectName,
    projectDir,
    files: load.files,
    services,
    secrets,
    volumes,
    root,
    env: load.env,
    repositoryRoot: load.repositoryRoot,
  };
}
