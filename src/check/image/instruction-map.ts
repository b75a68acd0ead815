import type { Instruction, Stage } from '../dockerfile/parse.js';

/** Where an image history entry came from: a Dockerfile instruction, or the external base image of the chain. */
export type HistoryOrigin =
  | { kind: 'instruction'; stage: Stage; instruction: Instruction }
  | { kind: 'base-image'; stage: Stage; image: string };

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/**
 * The instruction keyword a history entry records. BuildKit writes `COPY x /x # buildkit`, `RUN |1 A=b /bin/sh -c …`;
 * the classic builder writes `/bin/sh -c #(nop)  COPY …` for metadata and the bare shell command for RUN.
 */
export function historyKeyword(createdBy: string): string | undefined {
  const nop = /#\(nop\)\s+([A-Z]+)/.exec(createdBy);
  if (nop) return nop[1];
  const first = /^\s*([A-Z]+)\b/.exec(createdBy)?.[1];
  if (first && KEYWORDS.has(first)) return first;
  return createdBy.trim() ? 'RUN' : undefined;
}

/**
 * Pairs the image's history entries with the instructions of the stage chain that built it.
 * Walks both from the end, matching keywords: an instruction that left no entry (ONBUILD, an ARG on
 * some builders) is skipped; entries before the chain's first instruction belong to its base image.
 */
export function mapHistoryToInstructions(createdBy: readonly string[], chain: readonly Stage[]): HistoryOrigin[] {
  const instructions = chain.flatMap((stage) => stage.instructions.map((instruction) => ({ stage, instruction })));
  const root = chain[0]!;
  const origins: HistoryOrigin[] = new Array(createdBy.length);
  let j = instructions.length - 1;
  let i = createdBy.length - 1;
  for (; i >= 0 && j >= 0; i--) {
    const keyword = historyKeyword(createdBy[i]!);
    let k = j;
    while (k >= 0 && instructions[k]!.instruction.keyword !== keyword) k--;
    if (k < 0) break; // No instruction left that could have written it: the base image did.
    origins[i] = { kind: 'instruction', ...instructions[k]! };
    j = k - 1;
  }
  for (; i >= 0; i--) origins[i] = { kind: 'base-image', stage: root, image: root.baseImage };
  return origins;
}
