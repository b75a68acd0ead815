import { expandWord } from '../args.js';
import { dockerfileRule, instructionAt } from './context.js';

/** Images that exist to build, not to run: copying from them drags tools into the runner. */
const TOOL_IMAGES = /(^|\/)(uv|golang|rust|gcc|clang|buildpack-deps|maven|gradle|poetry|cmake|bazel)(:|@|$)/;

export const noToolImageInRunner = dockerfileRule({
  meta: {
    id: 'DA-DF-003',
    name: 'no-tool-image-in-runner',
    severity: 'error',
    area: 'dockerfile',
    summary: 'The final stage does not `COPY --from` a tool image or the whole of a toolchain stage.',
    rationale: 'Copying from the uv image or a whole builder root puts build tools back into the runtime image.',
    fix: 'Copy only what runs (e.g. `COPY --from=builder /app/.venv /app/.venv`); copy uv into the builder stage only.',
  },
  check(ctx, report) {
    const stageNames = new Map(ctx.parsed.stages.map((s) => [s.name ?? String(s.index), s]));
    for (const i of ctx.target.instructions) {
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const written = i.flags.get('from');
      if (!written) continue;
      // `--from=$IMAGE` names what the stage's ARGs say, as BuildKit expands it.
      const from = expandWord(written, i.scope).text;
      const stage = stageNames.get(from.toLowerCase()) ?? stageNames.get(from);
      if (!stage && TOOL_IMAGES.test(from)) {
        report(
          `The final stage copies from the tool image '${from}': build tools belong in the builder stage.`,
          instructionAt(ctx, i),
        );
      } else if (stage) {
        const sources = i.args.slice(0, -1);
        if (sources.some((s) => s === '/' || s === '.' || s === './'))
          report(
            `The final stage copies the whole of stage '${from}', toolchain included. Copy only what runs (e.g. /app/.venv).`,
            instructionAt(ctx, i),
          );
      }
    }
  },
});
