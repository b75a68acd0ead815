import { composeRule } from './context.js';
import { secretFiles } from './secret-files.js';

export const secretModeIgnored = composeRule({
  meta: {
    id: 'DA-CMP-031',
    name: 'secret-mode-ignored',
    severity: 'notice',
    area: 'compose',
    summary:
      "Docker Compose ignores `mode` (and `uid`/`gid`) on file secrets; the host file's owner and mode are what the container sees.",
    rationale:
      'A root-owned 0400 file is unreadable to a non-root `appuser`, and a 0644 file is readable by all; the mode in the compose file does not help.',
    fix: "Nothing to change: the deploy writes each secret file at 0400, owned by the image's runtime uid, whatever `mode` says (DA-CMP-027 only checks a written mode). Create it the same way if you deploy by hand.",
  },
  check(ctx, report) {
    for (const { secret, at, shown } of secretFiles(ctx))
      report(
        `Compose ignores mode/uid/gid for the file secret "${secret.name}": the container sees ${shown}'s own owner and mode, so the deploy writes it at 0400 owned by the runtime uid (a mode in the compose file is optional)`,
        at,
      );
  },
});
