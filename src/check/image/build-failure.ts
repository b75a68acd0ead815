/**
 * Finds the Dockerfile line a failed build blames, from the build log: newer BuildKit prints `Dockerfile:12` above
 * the quoted source; older BuildKit (dockerd 20.10) names the step, `> [builder 5/5] RUN uv sync:`, or the image it
 * could not resolve, `> [internal] load metadata for docker.io/library/python:3.99:`; the classic builder prints
 * `Step 5/12 : RUN uv sync` or the image in `pull access denied for …`. Steps are matched against the parsed
 * instructions of that stage, flags included; images against the FROM and `COPY --from` lines.
 */
import path from 'node:path';
import { expandWord } from '../dockerfile/args.js';
import type { Instruction, ParsedDockerfile } from '../dockerfile/parse.js';

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** `python:3.12` and `docker.io/library/python:3.12` are the same image; no tag means `latest`. */
export function normaliseImageRef(ref: string): string {
  let r = ref.trim().toLowerCase();
  r = r.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  const lastSegment = r.slice(r.lastIndexOf('/') + 1);
  return r.includes('@') || lastSegment.includes(':') ? r : `${r}:latest`;
}

/** The external images the Dockerfile names, each with the line that names it: FROM lines, then `COPY --from`. */
function imageLines(parsed: ParsedDockerfile): Array<{ ref: string; line: number }> {
  const out: Array<{ ref: string; line: number }> = [];
  const stageNames = new Set(parsed.stages.flatMap((s) => [String(s.index), ...(s.name ? [s.name] : [])]));
  for (const stage of parsed.stages) {
    if (stage.baseStage === undefined && stage.baseImage.toLowerCase() !== 'scratch')
      out.push({ ref: normaliseImageRef(stage.baseImage), line: stage.from.line });
    for (const i of stage.instructions) {
      const from = i.flags.get('from');
      if (!from) continue;
      const ref = expandWord(from, i.scope).text;
      if (!stageNames.has(ref.toLowerCase())) out.push({ ref: normaliseImageRef(ref), line: i.line });
    }
  }
  return out;
}

/** The line of the image BuildKit or the classic builder could not resolve or pull. */
function unresolvedImageLine(log: string, parsed: ParsedDockerfile): number | undefined {
  const images = imageLines(parsed);
  const metadata = [...log.matchAll(/^(?:#\d+ )?\s*> \[internal\] load metadata for (\S+?):?\s*$/gm)].at(-1)?.[1];
  if (metadata) return images.find((i) => i.ref === normaliseImageRef(metadata))?.line;
  const pull = /(?:pull access denied for|manifest for) ([^\s,]+)/.exec(log)?.[1];
  if (pull) return images.find((i) => i.ref === normaliseImageRef(pull) || i.ref.startsWith(`${pull}:`))?.line;
  return undefined;
}

/** The instruction of the step the log names (`> [stage-1 3/3] COPY --from=builder /app/.venv /app/.venv:`). */
function stepLine(log: string, parsed: ParsedDockerfile): number | undefined {
  const step = [...log.matchAll(/^(?:#\d+ )?\s*> \[(?:(\S+) )?\d+\/\d+\] (.+):\s*$/gm)].at(-1);
  const classic = [...log.matchAll(/^Step \d+\/\d+ : (.+)$/gm)].at(-1);
  const text = step ? squash(step[2]!) : classic ? squash(classic[1]!) : undefined;
  if (!text) return undefined;
  const stageName = step?.[1]?.toLowerCase();
  const stages = parsed.stages.filter((s) => !stageName || s.name === stageName || `stage-${s.index}` === stageName);
  const matches = (i: Instruction) => {
    const own = squash(i.text);
    return own.startsWith(text) || text.startsWith(own);
  };
  for (const stage of stages.length ? stages : parsed.stages) {
    const hit = [stage.from, ...stage.instructions].find(matches);
    if (hit) return hit.line;
  }
  return undefined;
}

export function failingLine(log: string, dockerfile: string, parsed?: ParsedDockerfile): number | undefined {
  const base = path.basename(dockerfile);
  let line: number | undefined;
  for (const m of log.matchAll(/^(?:#\d+ )?(\S+):(\d+)\s*$/gm)) {
    if (path.basename(m[1]!) === base) line = Number(m[2]);
  }
  if (line !== undefined || !parsed) return line;
  return stepLine(log, parsed) ?? unresolvedImageLine(log, parsed);
}
