import { composeRule } from './context.js';

export const hostDevices = composeRule({
  meta: {
    id: 'DA-CMP-048',
    name: 'host-devices',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service maps host devices into the container (`devices:`).',
    rationale:
      'A host device node (a disk, `/dev/mem`, `/dev/fuse`, a GPU) lets the container read or drive hardware past every filesystem permission of the host.',
    fix: 'Remove the device; if the service truly needs hardware, run it on a dedicated host and ignore this rule there with a reason.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const d of svc.devices) {
        const source = d.value.split(':')[0]!;
        report(`service "${svc.name}" maps host device ${source} into the container`, d.origin);
      }
  },
});
