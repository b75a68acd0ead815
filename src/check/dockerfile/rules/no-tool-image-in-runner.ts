import { expandWord } from '../args.js';
import { stageChain, type Stage } from '../parse.js';
import { dockerfileRule, instructionAt } from './context.js';

/** Images that exist to build, not to run: copying from them drags tools into the runner. */
const TOOL_IMAGES = /(^|\/)(uv|golang|rust|gcc|clang|buildpack-deps|maven|gradle|poetry|cmake|bazel)(:|@|$)/;

/** `COPY --from=x / /` and its spellings: the whole filesystem of the source, whatever it carries. */
const isRoot = (source: string) => ['/', '.', './', '/.', '/*', '*'].includes(source);

export const noToolImageInRunner = dockerfileRule({
  meta: {
    id: 'DA-DF-003',
    name: 'no-tool-image-in-runner',
    severity: 'error',
    area: 'dockerfile',
    summary:
      'The final stage does not `COPY --from` a tool image (or a stage that only names one), nor the whole of any stage or external image.',
    rationale:
      'Copying from the uv image or the whole root of a builder or of an external image puts build tools back into the runtime image.',
    fix: 'Copy only what runs (e.g. `COPY --from=builder /app/.venv /app/.venv`); copy uv into the builder stage only.',
  },
  check(ctx, report) {
    const stages = new Map<string, Stage>();
    for (const s of ctx.parsed.stages) {
      stages.set(String(s.index), s);
      if (s.name) stages.set(s.name, s);
    }
    for (const i of ctx.target.instructions) {
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const written = i.flags.get('from');
      if (!written) continue;
      // `--from=$IMAGE` names what the stage's ARGs say, as BuildKit expands it.
      const from = expandWord(written, i.scope).text;
      const whole = i.args.slice(0, -1).some(isRoot);
      const stage = stages.get(from.toLowerCase());
      const at = instructionAt(ctx, i);
      if (!stage) {
        if (TOOL_IMAGES.test(from))
          report(`The final stage copies from the tool image '${from}': build tools belong in the builder stage.`, at);
        else if (whole)
          report(
            `The final stage copies the whole of the external image '${from}', its tools included. Copy only the files that run.`,
            at,
          );
        continue;
      }
      if (whole) {
        report(
          `The final stage copies the whole of stage '${from}', toolchain included. Copy only what runs (e.g. /app/.venv).`,
          at,
        );
        continue;
      }
      // A stage that only names a tool image (`FROM ghcr.io/astral-sh/uv AS uv`) is that image; a stage that builds
      // something (`FROM golang AS build` + RUN go build) hands over what it built.
      const chain = stageChain(ctx.parsed, stage);
      const root = chain[0]!;
      if (TOOL_IMAGES.test(root.baseImage) && chain.every((s) => s.instructions.length === 0))
        report(
          `The final stage copies from stage '${from}', which is the tool image '${root.baseImage}': build tools belong in the builder stage.`,
          at,
        );
    }
  },
});
