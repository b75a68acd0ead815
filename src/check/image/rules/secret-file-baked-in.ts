import { type BlamedFile, groupByInstruction, imageRule } from './context.js';

export const secretFileBakedIn = imageRule({
  meta: {
    id: 'DA-IMG-006',
    name: 'secret-file-baked-in',
    severity: 'error',
    area: 'image',
    summary:
      'The runtime filesystem holds no `.env`, `.env.*`, `secrets/**`, `*.pem`, `*.key`, `id_rsa*`, `id_ed25519*` or `credentials.json`.',
    rationale:
      'Whoever can pull the image can read a file baked into it; a `COPY . .` takes whatever the context holds.',
    fix: 'Exclude the file in `.dockerignore` and mount it at run time (a Compose secret file); never COPY it.',
  },
  check(ctx, report) {
    for (const group of groupByInstruction(ctx.secretFiles)) {
      report(
        `Secret-looking files in the runtime image, added by ${group.where}: ${list(group.files)}.`,
        group.location,
      );
    }
  },
});

function list(files: readonly BlamedFile[]): string {
  const shown = files.slice(0, 8).map((f) => `/${f.path}`);
  return shown.join(', ') + (files.length > shown.length ? ` and ${files.length - shown.length} more` : '');
}
