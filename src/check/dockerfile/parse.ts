import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';
import { type ArgScope, expandWord, type ScopedValue, substituteArgs } from './args.js';

/** One instruction, with 1-based lines (continuations and heredocs make a range). */
export interface Instruction {
  keyword: string;
  line: number;
  endLine: number;
  args: string[];
  /** `--from=builder` and friends, names lower-cased. */
  flags: Map<string, string | null>;
  /** ENV/ARG/LABEL pairs; `value` is null for `ARG NAME` without a default. */
  properties: Array<{ name: string; value: string | null; line: number; column: number }>;
  /** The instruction as written, flags included, continuations joined (`RUN --mount=… uv sync`). */
  text: string;
  /** The ARGs and ENVs in scope when it runs, with build-args applied (global ARGs only for FROM and before it). */
  scope: ArgScope;
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-cased as BuildKit matches it. */
  name: string | undefined;
  from: Instruction;
  /** FROM image after substituting global ARGs and build-args. */
  baseImage: string;
  /** Set when FROM names an earlier stage of this Dockerfile. */
  baseStage: number | undefined;
  /** Everything after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** ARGs declared before the first FROM, with build-args applied. */
  globalArgs: Map<string, string | undefined>;
  /** The instructions before the first FROM (ARGs, as BuildKit allows nothing else there). */
  globalInstructions: Instruction[];
}

function toInstruction(ast: AstInstruction, scope: ArgScope): Instruction {
  const range = ast.getRange();
  const flags = new Map<string, string | null>();
  const withFlags = ast as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  for (const flag of withFlags.getFlags?.() ?? []) flags.set(flag.getName().toLowerCase(), flag.getValue());
  const withProps = ast as unknown as {
    getProperties?: () => Array<{
      getName(): string;
      getValue(): string | null;
      getRange(): { start: { line: number; character: number } };
    }>;
  };
  const properties = (withProps.getProperties?.() ?? []).map((p) => ({
    name: p.getName(),
    value: p.getValue(),
    line: p.getRange().start.line + 1,
    column: p.getRange().start.character + 1,
  }));
  return {
    keyword: ast.getKeyword().toUpperCase(),
    line: range.start.line + 1,
    endLine: range.end.line + 1,
    args: ast.getArguments().map((a) => a.getValue()),
    flags,
    properties,
    text: ast.getTextContent().replace(/[\\`]\r?\n/g, ' '),
    scope,
  };
}

/**
 * The value an ARG gets, as BuildKit gives it: a build-arg wins, then the default (expanded), then for a stage ARG
 * without a default the global ARG of that name; an ENV of the same name shadows it.
 */
function declareArg(
  scope: Map<string, ScopedValue>,
  prop: Instruction['properties'][number],
  buildArgs: ReadonlyMap<string, string>,
  globals: ArgScope | undefined,
): void {
  if (scope.get(prop.name)?.kind === 'env') return;
  const value =
    buildArgs.get(prop.name) ??
    (prop.value !== null ? expandWord(prop.value, scope).text : globals?.get(prop.name)?.value);
  scope.set(prop.name, { value, kind: 'arg', line: prop.line });
}

/** The scope after an ARG or ENV: a copy, so each instruction keeps the scope it saw. */
function nextScope(
  scope: ArgScope,
  instruction: Instruction,
  buildArgs: ReadonlyMap<string, string>,
  globals: ArgScope | undefined,
): ArgScope {
  if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') return scope;
  const next = new Map(scope);
  for (const prop of instruction.properties) {
    if (instruction.keyword === 'ARG') declareArg(next, prop, buildArgs, globals);
    else next.set(prop.name, { value: expandWord(prop.value ?? '', next).text, kind: 'env', line: prop.line });
  }
  return next;
}

/** ENVs a stage passes on to the stages built FROM it (ARGs do not cross a FROM). */
function envOnly(scope: ArgScope): ArgScope {
  return new Map([...scope].filter(([, v]) => v.kind === 'env'));
}

/** Parses a Dockerfile into stages, resolving ARGs and ENVs the way BuildKit does. */
export function parseDockerfile(text: string, buildArgs: ReadonlyMap<string, string> = new Map()): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  const globalInstructions: Instruction[] = [];
  const stages: Stage[] = [];
  const endScopes: ArgScope[] = [];
  let globalScope: ArgScope = new Map();
  let scope: ArgScope = globalScope;
  for (const ast of dockerfile.getInstructions()) {
    const isFrom = ast.getKeyword().toUpperCase() === 'FROM';
    const instruction = toInstruction(ast, isFrom ? globalScope : scope);
    if (isFrom) {
      if (stages.length) endScopes.push(scope);
      const asIndex = instruction.args.findIndex((a) => a.toLowerCase() === 'as');
      const rawImage = instruction.args[0] ?? '';
      const baseImage = substituteArgs(rawImage, globalArgs);
      const name = asIndex >= 0 ? instruction.args[asIndex + 1]?.toLowerCase() : undefined;
      const baseStage = stages.find((s) => s.name !== undefined && s.name === baseImage.toLowerCase())?.index;
      stages.push({ index: stages.length, name, from: instruction, baseImage, baseStage, instructions: [] });
      scope = baseStage === undefined ? new Map() : envOnly(endScopes[baseStage] ?? new Map());
    } else if (stages.length === 0) {
      // Only ARG may precede the first FROM; its value is what FROM lines see.
      globalInstructions.push(instruction);
      globalScope = nextScope(globalScope, instruction, buildArgs, undefined);
      scope = globalScope;
      for (const prop of instruction.properties) globalArgs.set(prop.name, globalScope.get(prop.name)?.value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
      scope = nextScope(scope, instruction, buildArgs, globalScope);
    }
  }
  return { stages, globalArgs, globalInstructions };
}

/** A stage by `--target` name (case-insensitive, as BuildKit) or the last one. */
export function findStage(parsed: ParsedDockerfile, target: string | undefined): Stage | undefined {
  if (!target) return parsed.stages.at(-1);
  return parsed.stages.find((s) => s.name === target.toLowerCase());
}

/** The target stage and the stages it is built FROM, root first. */
export function stageChain(parsed: ParsedDockerfile, stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.baseStage === undefined ? undefined : parsed.stages[s.baseStage]) {
    chain.unshift(s);
  }
  return chain;
}
