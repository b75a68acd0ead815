import { expandWord, type Expansion } from '../args.js';
import { type Instruction, stageChain } from '../parse.js';
import type { LintContext } from './context.js';

export interface LastUser {
  instruction: Instruction;
  /** The USER value as written (`$UID:$GID`). */
  raw: string;
  /** The user part (before `:`) with ARGs and ENVs expanded as this build sees them. */
  user: Expansion;
}

/** The last USER of the target or of a stage it is built FROM: the one the container runs as. */
export function lastUser(ctx: LintContext): LastUser | undefined {
  const instruction = stageChain(ctx.parsed, ctx.target)
    .flatMap((s) => s.instructions)
    .filter((i) => i.keyword === 'USER')
    .at(-1);
  if (!instruction) return undefined;
  const raw = instruction.args[0] ?? '';
  return { instruction, raw, user: expandWord(userPart(raw), instruction.scope) };
}

/** The text before the user:group `:` (the group does not decide root; a `:` inside `${A:-x}` is no separator). */
function userPart(raw: string): string {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '{' && raw[i - 1] === '$') depth++;
    else if (raw[i] === '}' && depth > 0) depth--;
    else if (raw[i] === ':' && depth === 0) return raw.slice(0, i);
  }
  return raw;
}

/** `ARG UID=0 (line 2)`: where the values that made a USER came from. */
export function describeSources(user: Expansion): string {
  return user.used.map((u) => `${u.kind.toUpperCase()} ${u.name}=${u.value} at line ${u.line}`).join(', ');
}
