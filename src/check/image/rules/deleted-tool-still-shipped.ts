import { formatBytes } from '../../../util/format.js';
import { imageRule, listPaths } from './context.js';

export const deletedToolStillShipped = imageRule({
  meta: {
    id: 'DA-IMG-004',
    name: 'deleted-tool-still-shipped',
    severity: 'warning',
    area: 'image',
    summary: 'No build tool is added by one layer and deleted by a later one.',
    rationale: 'Deleting in a later layer hides the file at runtime but every pull still downloads it.',
    fix: 'Install and remove in the same `RUN`, or better, keep the tool in the builder stage.',
  },
  check(ctx, report) {
    for (const added of ctx.deletedTools) {
      const wasted = added.files.reduce((n, f) => n + f.size, 0);
      const names = listPaths(added.files, (f) => `/${f.path}`);
      report(
        `${names} added by ${added.where} and deleted by a later layer: absent at runtime, but ${formatBytes(wasted)} (${wasted} bytes) still ship with every pull.`,
        added.location,
      );
    }
  },
});
