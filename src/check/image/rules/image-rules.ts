import { buildToolInImage } from './build-tool-in-image.js';
import type { ImageRule } from './context.js';
import { deletedToolStillShipped } from './deleted-tool-still-shipped.js';
import { passwordlessSudo } from './passwordless-sudo.js';
import { runsAsRoot } from './runs-as-root.js';
import { secretFileBakedIn } from './secret-file-baked-in.js';
import { setuidFile } from './setuid-file.js';
import { unknownUser } from './unknown-user.js';

/** The proofs from the built image, in id order; each raises its own id only. */
export const IMAGE_RULES: readonly ImageRule[] = [
  runsAsRoot,
  unknownUser,
  buildToolInImage,
  deletedToolStillShipped,
  passwordlessSudo,
  secretFileBakedIn,
  setuidFile,
];
