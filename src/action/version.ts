/** The action's own version, reported in SARIF; kept in step with package.json by the release script. */
export const ACTION_VERSION = '0.1.0';
