/**
 * Env files the check cannot take: an `env_file` that is a directory (Compose refuses it: "read <path>: is a
 * directory"), and text that is not UTF-8. Compose 2.26 passes such bytes through (and prints them as U+FFFD), so
 * the values could not be judged as the container gets them; we refuse the file with one error instead. A missing
 * file is left to the rules (DA-CMP-011), which know whether it is required and gitignored.
 */
import { ReadTextError, readRepositoryFile } from '../util/read-text.js';
import { ComposeInputError, type Issue } from './issues.js';
import { decodeUtf8 } from './text.js';
import { get, isMap, isScalar, isSeq, str, type YMap } from './tree.js';
import { resolveComposePath } from './values.js';

/** Reads one env file as UTF-8; undefined when it does not exist. Throws ComposeInputError for what Compose refuses. */
export async function readEnvFileText(
  path: string,
  at: { file: string; line: number; column: number },
  root: string,
): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readRepositoryFile(path, { root, label: `env file ${path}` });
  } catch (e) {
    if (!(e instanceof ReadTextError)) throw e;
    if (e.problem === 'missing') return undefined;
    const why = e.message.endsWith('is a directory, not a file') ? `read ${path}: is a directory` : e.message;
    throw new ComposeInputError(why, 'DA-CMP-010', at);
  }
  return decodeUtf8(bytes, path, 'env file', 'DA-CMP-010', 'its values cannot be checked as the container gets them');
}

/** Every service's `env_file` entries, checked as Compose reads them; one issue per refused file. */
export async function checkEnvFiles(root: YMap, projectDir: string, readRoot: string): Promise<Issue[]> {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const services = get(root, 'services');
  if (!isMap(services)) return issues;
  for (const e of services.entries.values()) {
    const files = get(e.value, 'env_file');
    if (!isSeq(files)) continue;
    for (const f of files.items) {
      const written = isScalar(f) ? str(f) : str(get(f, 'path'));
      if (written === undefined) continue;
      const path = resolveComposePath(written, f.origin, projectDir);
      if (seen.has(path)) continue;
      seen.add(path);
      try {
        await readEnvFileText(path, f.origin, readRoot);
      } catch (err) {
        if (!(err instanceof ComposeInputError)) throw err;
        issues.push({ ruleId: err.ruleId, message: err.message, origin: err.origin ?? f.origin });
      }
    }
  }
  return issues;
}
