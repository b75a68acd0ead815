import type { ComposeRuleId } from '../rules/rule-ids.js';
import type { Origin } from './tree.js';

/** A finding before its location is made relative to the check's working directory. */
export interface Issue {
  ruleId: ComposeRuleId;
  message: string;
  origin?: Origin;
}

/** Thrown inside the loader for input that stops the load; turned into one finding, never a stack trace. */
export class ComposeInputError extends Error {
  constructor(
    message: string,
    readonly ruleId: ComposeRuleId,
    readonly origin?: Origin,
  ) {
    super(message);
    this.name = 'ComposeInputError';
  }
}
