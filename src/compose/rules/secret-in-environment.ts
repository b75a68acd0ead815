import { hasUrlCredentials, isSecretLikeKey } from '../../rules/secret-names.js';
import { composeRule } from './context.js';

/** Secret-like variables in `environment:` carry no value, literal or interpolated. */
export const secretInEnvironment = composeRule({
  meta: {
    id: 'DA-CMP-032',
    name: 'secret-in-environment',
    severity: 'error',
    area: 'compose',
    summary:
      'No prod environment variable with a secret-like name (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL, ...) carries a value.',
    rationale:
      '`docker inspect` shows the whole environment, whether the value was written literally or interpolated from `${VAR}`.',
    fix: 'Pass the secret as a file: define a Compose secret and set `NAME_FILE: /run/secrets/NAME` for the app to read.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      for (const e of svc.environment) {
        const secretKey = isSecretLikeKey(e.key);
        if (secretKey && e.value === null) {
          report(
            `service "${svc.name}" passes ${e.key} from the host environment; docker inspect shows it. Use a secret file and ${e.key}_FILE=/run/secrets/...`,
            e.origin,
          );
        } else if (secretKey && (e.value !== '' || (e.raw !== undefined && /\$\{?[A-Za-z_]/.test(e.raw)))) {
          // `${DB_PASSWORD}` is empty in CI but holds the password in prod: judged by what is written, not by CI's env.
          const how = e.raw ? `interpolated from ${e.raw}` : 'as a literal value';
          report(
            `service "${svc.name}" sets ${e.key} ${how}; docker inspect shows it. Use a secret file and ${e.key}_FILE=/run/secrets/...`,
            e.origin,
          );
        } else if (e.value && hasUrlCredentials(e.value)) {
          report(
            `service "${svc.name}" sets ${e.key} to a URL with a password in it; docker inspect shows it`,
            e.origin,
          );
        }
      }
    }
  },
});
