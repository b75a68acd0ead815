/** The error of a bad deploy input: it names the input, and the entry reports it under DA-DEP-001. */
import { UserFacingError } from '../findings/finding.js';

export const DEPLOY_INPUT_RULE = 'DA-DEP-001';

export class DeployInputError extends UserFacingError {
  constructor(message: string) {
    super(message, DEPLOY_INPUT_RULE);
    this.name = 'DeployInputError';
  }
}
