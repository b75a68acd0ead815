/**
 * Each compose file against the Compose Specification's JSON schema (vendored in schema/, see its README), as
 * Docker Compose validates a file before interpolating and merging it: a typo such as `enviroment:` is a file
 * Compose refuses, and its content would otherwise escape every rule. Each violation is one issue at its line,
 * naming the key, never the value.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Issue } from './issues.js';
import schema from './schema/compose-spec.json' with { type: 'json' };
import { isMap, isSeq, type Origin, toPlain, type YMap, type YNode } from './tree.js';

let compiled: ValidateFunction | undefined;

/** Compiled on first use and kept: compiling the schema costs tens of milliseconds, validating a file far less. */
function validator(): ValidateFunction {
  // strict: false because the schema uses annotations ajv does not know (`deprecated`); formats are Compose's own.
  // Its `$schema` names draft-07 by an https URL ajv does not register; the draft-07 it is written in is ajv's default.
  const { $schema: _draft, ...body } = schema;
  compiled ??= new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(body);
  return compiled;
}

/** The schema violations of one parsed (not yet interpolated) compose file. */
export function schemaIssues(root: YMap): Issue[] {
  const validate = validator();
  if (validate(asWritten(root))) return [];
  const errors = validate.errors ?? [];
  const issues: Issue[] = [];
  // An unknown key explains the other errors at or above its mapping (the oneOf branches it failed): it alone is said.
  const unknownAt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    // Unknown top-level keys are DA-CMP-006's.
    if (e.instancePath === '') continue;
    unknownAt.add(e.instancePath);
    const { node, entryAt } = locate(root, e.instancePath, key);
    issues.push({
      ruleId: 'DA-CMP-052',
      message: `${dotted(e.instancePath)}: unknown key "${key}" (Compose refuses the file)`,
      origin: entryAt ?? node.origin,
    });
  }
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword === 'additionalProperties' || e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    if ([...unknownAt].some((p) => p === e.instancePath || p.startsWith(`${e.instancePath}/`))) continue;
    if ([...unknownAt].some((p) => e.instancePath.startsWith(`${p}/`))) continue;
    byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  }
  for (const [path, errs] of byPath) {
    const messages = [...new Set(errs.map((e) => e.message ?? e.keyword))];
    issues.push({
      ruleId: 'DA-CMP-052',
      message: `${dotted(path) || 'the file'}: ${messages.join(' or ')} (Compose refuses the file)`,
      origin: locate(root, path).node.origin,
    });
  }
  return issues;
}

/** The file as Compose's decoder hands it to the schema: a `!reset` value is already gone (compose-go ResetProcessor). */
function asWritten(n: YNode): unknown {
  if (isSeq(n)) return n.items.filter((i) => i.tag !== '!reset').map(asWritten);
  if (isMap(n)) {
    const o: Record<string, unknown> = {};
    for (const [k, e] of n.entries) if (e.value.tag !== '!reset') o[k] = asWritten(e.value);
    return o;
  }
  return toPlain(n);
}

const dotted = (pointer: string): string =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

/** The node at a JSON pointer, and the origin of `key` in it when given. */
function locate(root: YMap, pointer: string, key?: string): { node: YNode; entryAt?: Origin } {
  let node: YNode = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const next: YNode | undefined = isMap(node)
      ? node.entries.get(seg)?.value
      : isSeq(node)
        ? node.items[Number(seg)]
        : undefined;
    if (!next) break;
    node = next;
  }
  const entry = key !== undefined && isMap(node) ? node.entries.get(key) : undefined;
  return entry ? { node, entryAt: entry.keyOrigin } : { node };
}
