/**
 * The variables interpolation sees from the step's environment: only the names the `env-vars` input lists, so a
 * variable that happens to be set on the runner cannot change the checked (and deployed) model. The project `.env`
 * still applies under them, as Compose reads it; an empty list means the `.env` and the files' defaults only.
 */
import { UserFacingError } from '../findings/finding.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks each listed name; a malformed one is refused before anything runs. */
export function checkEnvVarNames(names: readonly string[]): string[] {
  for (const n of names) {
    if (!NAME.test(n)) {
      throw new UserFacingError(
        `Input 'env-vars': '${n}' is not a variable name (letters, digits and _, not starting with a digit).`,
        'DA-INP-001',
      );
    }
  }
  return [...new Set(names)];
}

/** The listed variables' values; a listed name that is not set is an error naming it (never an empty value). */
export function interpolationEnv(
  names: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const unset: string[] = [];
  for (const n of checkEnvVarNames(names)) {
    const v = env[n];
    if (v === undefined) unset.push(n);
    else out[n] = v;
  }
  if (unset.length) {
    throw new UserFacingError(
      `Input 'env-vars' lists ${unset.join(', ')}, which ${unset.length > 1 ? 'are' : 'is'} not set in the step's environment (set ${unset.length > 1 ? 'them' : 'it'} under \`env:\` or remove ${unset.length > 1 ? 'them' : 'it'} from the list).`,
      'DA-INP-001',
    );
  }
  return out;
}
