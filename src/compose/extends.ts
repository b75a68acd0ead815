import { dirname, isAbsolute, resolve } from 'node:path';
import { ComposeInputError } from './issues.js';
import { mergeService } from './merge.js';
import { get, isMap, isScalar, str, withBaseDir, type Origin, type YMap } from './tree.js';

/** Loads, interpolates and canonicalises another compose file (for `extends.file`). */
export type FileLoader = (file: string, from: Origin) => Promise<YMap | undefined>;

/**
 * Resolves `extends` in one file's services, as Compose does before merging the file: the extended service
 * (from the same file or `file:`) is the base, the extending service overrides it with the usual merge rules.
 * Services from another file keep paths relative to that file.
 */
export async function applyExtends(root: YMap, file: string, load: FileLoader, stack: string[] = []): Promise<YMap> {
  const services = get(root, 'services');
  if (!isMap(services)) return root;
  const resolved = new Map<string, YMap>();
  const out: YMap = { ...services, entries: new Map(services.entries) };

  const resolveService = async (name: string, chain: string[]): Promise<YMap> => {
    const done = resolved.get(name);
    if (done) return done;
    const entry = services.entries.get(name);
    if (!entry || !isMap(entry.value)) {
      if (entry && isScalar(entry.value) && entry.value.value === null)
        return { kind: 'map', origin: entry.keyOrigin, entries: new Map() };
      throw new ComposeInputError(`service "${name}" must be a mapping`, 'DA-CMP-010', entry?.keyOrigin);
    }
    const svc = entry.value;
    const ext = svc.entries.get('extends');
    if (!ext) {
      resolved.set(name, svc);
      return svc;
    }
    const key = `${file}#${name}`;
    if (chain.includes(key) || stack.includes(key))
      throw new ComposeInputError(`circular extends: ${[...chain, key].join(' -> ')}`, 'DA-CMP-010', ext.keyOrigin);
    const baseName = isScalar(ext.value) ? str(ext.value) : str(get(ext.value, 'service'));
    const baseFile = isMap(ext.value) ? str(get(ext.value, 'file')) : undefined;
    if (!baseName) throw new ComposeInputError('extends needs a service name', 'DA-CMP-010', ext.value.origin);
    let base: YMap;
    if (baseFile) {
      const target = isAbsolute(baseFile) ? baseFile : resolve(dirname(file), baseFile);
      const other = await load(target, ext.value.origin);
      if (!other) throw new ComposeInputError(`extends file ${baseFile} is empty`, 'DA-CMP-010', ext.value.origin);
      const otherResolved = await applyExtends(other, target, load, [...stack, ...chain, key]);
      const candidate = get(get(otherResolved, 'services'), baseName);
      if (!isMap(candidate))
        throw new ComposeInputError(
          `extends: service "${baseName}" not found in ${baseFile}`,
          'DA-CMP-010',
          ext.value.origin,
        );
      base = dirname(target) === dirname(file) ? candidate : withBaseDir(candidate, dirname(target));
    } else {
      if (!services.entries.has(baseName))
        throw new ComposeInputError(`extends: service "${baseName}" not found`, 'DA-CMP-010', ext.value.origin);
      base = await resolveService(baseName, [...chain, key]);
    }
    const own: YMap = { ...svc, entries: new Map(svc.entries) };
    own.entries.delete('extends');
    const merged = mergeService(name, base, own);
    // The service is still declared where its name is.
    merged.origin = svc.origin;
    resolved.set(name, merged);
    return merged;
  };

  for (const [name, e] of services.entries) {
    if (!isMap(e.value)) continue;
    out.entries.set(name, { ...e, value: await resolveService(name, []) });
  }
  const r: YMap = { ...root, entries: new Map(root.entries) };
  const se = root.entries.get('services')!;
  r.entries.set('services', { ...se, value: out });
  return r;
}
