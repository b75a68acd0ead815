import { composeRule } from './context.js';
import { parseImageRef } from './image-ref.js';

export const imageNotPinned = composeRule({
  meta: {
    id: 'DA-CMP-042',
    name: 'image-not-pinned',
    severity: 'error',
    area: 'compose',
    summary: 'Every prod image has an explicit tag other than `latest` (or a digest).',
    rationale: 'An untagged or `latest` image changes under the same config: rollbacks and reviews lose their meaning.',
    fix: 'Tag the image with the release version, e.g. `image: org/app:${APP_VERSION:-dev}`, or pin a digest.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      if (!svc.image) {
        if (svc.build)
          report(
            `service "${svc.name}" builds without an image name, so Compose tags it ${ctx.model.projectName}-${svc.name}:latest; name and tag the image`,
            svc.build.origin,
          );
        continue;
      }
      const ref = parseImageRef(svc.image.value);
      if (ref.digest) continue;
      const written = svc.image.raw ? ` (written ${svc.image.raw})` : '';
      if (!ref.tag) report(`image ${svc.image.value}${written} has no tag, which means latest`, svc.image.origin);
      else if (ref.tag === 'latest')
        report(`image ${svc.image.value}${written} uses the moving tag latest`, svc.image.origin);
    }
  },
});
