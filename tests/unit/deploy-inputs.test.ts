import { parseHostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs, type DeployInputs } from '../../src/deploy/inputs.js';

const base: Record<string, string> = {
  'ssh-host': 'deploy.example.com',
  'ssh-user': 'deployer',
  'ssh-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n',
  'ssh-known-hosts': 'deploy.example.com ssh-ed25519 AAAA',
  'deploy-secrets': 'db_password=DB_PASSWORD',
};
const env = { DB_PASSWORD: 'line1\nline2 \u00e9', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
const parse = (over: Record<string, string> = {}, e: Record<string, string> = env): DeployInputs =>
  parseDeployInputs((n) => ({ ...base, ...over })[n] ?? '', e);

test('defaults: port 22, /srv/<repo name>, ssh delivery, 120 s, tag-only, auto owner', () => {
  const i = parse();
  expect(i.hosts).toEqual([{ host: 'deploy.example.com', port: 22 }]);
  expect(i.deployPath).toBe('/srv/doongzi-backend');
  expect(i.imageDelivery).toBe('ssh');
  expect(i.healthTimeoutSeconds).toBe(120);
  expect(i.allowNonTag).toBe(false);
  expect(i.secretOwner).toBe('auto');
  expect(i.envFile).toBeUndefined();
});

test('hosts: newline-separated, host:port, [v6]:port, bare v6, ssh-port as the default', () => {
  const i = parse({ 'ssh-host': 'a.example\nb.example:2200\n\n[::1]:2222\nfe80::1', 'ssh-port': '2022' });
  expect(i.hosts).toEqual([
    { host: 'a.example', port: 2022 },
    { host: 'b.example', port: 2200 },
    { host: '::1', port: 2222 },
    { host: 'fe80::1', port: 2022 },
  ]);
  expect(() => parse({ 'ssh-host': 'a:99999' })).toThrow('ssh-host: port "99999" is not a number from 1 to 65535');
  expect(() => parse({ 'ssh-host': 'root@a' })).toThrow(
    /ssh-host: "root@a" contains a user; set the user with ssh-user/,
  );
  expect(() => parse({ 'ssh-host': 'a b' })).toThrow(/ssh-host: "a b" is not a host name/);
  expect(() => parse({ 'ssh-host': 'a\na:22' })).toThrow('ssh-host: a:22 is listed twice');
  expect(() => parse({ 'ssh-host': '' })).toThrow(/ssh-host: give at least one host/);
  expect(parseHostAddress('[::1]', 22)).toEqual({ host: '::1', port: 22 });
});

test('secrets: values from the environment, byte for byte; bad names and missing variables refused', () => {
  const i = parse();
  expect(i.secrets).toEqual([
    { name: 'db_password', envVar: 'DB_PASSWORD', value: Buffer.from('line1\nline2 \u00e9'), given: env.DB_PASSWORD },
  ]);
  expect(() => parse({ 'deploy-secrets': '../x=DB_PASSWORD' })).toThrow(
    /secrets: "\.\.\/x" is not a valid secret name/,
  );
  expect(() => parse({ 'deploy-secrets': 'a/b=DB_PASSWORD' })).toThrow(/not a valid secret name/);
  expect(() => parse({ 'deploy-secrets': 'a..b=DB_PASSWORD' })).toThrow(/not a valid secret name/);
  expect(() => parse({ 'deploy-secrets': '.hidden=DB_PASSWORD' })).toThrow(/not a valid secret name/);
  expect(() => parse({ 'deploy-secrets': 'db_password=hunter2 with spaces' })).toThrow(
    /is not an environment variable name; the value itself never goes in this input/,
  );
  expect(() => parse({ 'deploy-secrets': 'db_password=NOPE' })).toThrow(
    'secrets: db_password reads the environment variable NOPE, which is unset or empty in this step',
  );
  expect(() => parse({ 'deploy-secrets': 'db_password' })).toThrow(/is not `compose_secret_name=ENV_VAR_NAME`/);
  expect(() => parse({ 'deploy-secrets': 'a=DB_PASSWORD\na=DB_PASSWORD' })).toThrow('secrets: a is listed twice');
});

test('the other inputs, each error naming its input', () => {
  expect(() => parse({ 'ssh-known-hosts': ' \n# none\n' })).toThrow(
    /ssh-known-hosts: required; there is no trust on first use/,
  );
  expect(() => parse({ 'ssh-user': '' })).toThrow(/ssh-user: required/);
  expect(() => parse({ 'ssh-key': '' })).toThrow(/ssh-key: required/);
  expect(() => parse({ 'deploy-path': 'srv/app' })).toThrow(
    'deploy-path: "srv/app" must be an absolute path on the host',
  );
  expect(() => parse({ 'deploy-path': '/srv/../etc' })).toThrow(/deploy-path: .* must not contain/);
  expect(() => parse({ 'deploy-path': '/srv/a\\nb' })).toThrow('deploy-path: backslashes are not allowed');
  expect(() => parse({ 'deploy-path': '/srv/a\tb' })).toThrow('deploy-path: control characters are not allowed');
  expect(() => parse({ 'deploy-path': '/srv/a\nb' })).toThrow('deploy-path: control characters are not allowed');
  // Quotes, `$`, backticks, `:` and `,` are fine: every remote script quotes the path.
  expect(parse({ 'deploy-path': '/srv/it\'s "$x" `y`:a,b' }).deployPath).toBe('/srv/it\'s "$x" `y`:a,b');
  expect(() => parse({}, { DB_PASSWORD: 'x' })).toThrow(/deploy-path: not set, and GITHUB_REPOSITORY/);
  expect(() => parse({ 'image-delivery': 'scp' })).toThrow('image-delivery: "scp" must be `ssh` or `registry`');
  expect(() => parse({ 'image-delivery': 'registry' })).toThrow(/registry: required when image-delivery is `registry`/);
  expect(() => parse({ 'image-delivery': 'registry', registry: 'ghcr.io', 'registry-username': 'u' })).toThrow(
    'registry-username and registry-password: give both or neither',
  );
  expect(() => parse({ 'health-timeout': 'soon' })).toThrow(
    'health-timeout: "soon" is not a timeout: write seconds (`90`), or a duration such as `30s`, `10m`, `1h`, `1h30m`',
  );
  expect(parse({ 'health-timeout': '90s' }).healthTimeoutSeconds).toBe(90);
  expect(() => parse({ 'allow-non-tag': 'yes' })).toThrow('allow-non-tag: "yes" is not true or false');
  expect(parse({ 'allow-non-tag': 'true' }).allowNonTag).toBe(true);
  expect(() => parse({ 'project-name': 'My App' })).toThrow(/project-name: "My App" must be lowercase/);
  expect(() => parse({ 'secret-owner': 'sudo' })).toThrow('secret-owner: "sudo" must be `auto`, `chown` or `engine`');
  expect(parse({ 'env-file': 'A=1' }).envFile).toBe('A=1\n');
  expect(parse({ 'ssh-jump-host': 'bastion.example:2200' }).jumpHost).toEqual({
    user: 'deployer',
    host: 'bastion.example',
    port: 2200,
  });
  expect(parse({ 'ssh-jump-host': 'ops@bastion.example' }).jumpHost).toEqual({
    user: 'ops',
    host: 'bastion.example',
    port: 22,
  });
  const reg = parse({
    'image-delivery': 'registry',
    registry: 'ghcr.io',
    'registry-username': 'u',
    'registry-password': 'p',
  });
  expect(reg.registry).toEqual({ server: 'ghcr.io', username: 'u', password: 'p' });
});

test('timeouts take seconds or durations; zero, fractions and more than a day are refused', () => {
  expect(parse({ 'health-timeout': '10m' }).healthTimeoutSeconds).toBe(600);
  expect(parse({ 'ssh-command-timeout': '1h' }).commandTimeoutSeconds).toBe(3600);
  expect(parse({ 'ssh-connect-timeout': '1m30s' }).connectTimeoutSeconds).toBe(90);
  expect(parse({ 'health-timeout': ' 45 ' }).healthTimeoutSeconds).toBe(45);
  expect(() => parse({ 'health-timeout': '0s' })).toThrow('health-timeout: "0s" must be at least one second');
  expect(() => parse({ 'health-timeout': '1.5m' })).toThrow(/give whole seconds, minutes or hours/);
  expect(() => parse({ 'health-timeout': '500ms' })).toThrow(/give whole seconds, minutes or hours/);
  expect(() => parse({ 'health-timeout': '30m1h' })).toThrow(/is not a timeout/);
  expect(() => parse({ 'ssh-command-timeout': '25h' })).toThrow(/more than the maximum of 86400 seconds/);
});

test('url: an absolute http(s) URL without credentials, passed through as given', () => {
  expect(parse().url).toBeUndefined();
  expect(parse({ url: 'https://api.example.com/health' }).url).toBe('https://api.example.com/health');
  expect(() => parse({ url: 'api.example.com' })).toThrow('url: "api.example.com" is not an absolute URL');
  expect(() => parse({ url: 'ftp://api.example.com' })).toThrow(
    'url: "ftp://api.example.com" must start with https://',
  );
  expect(() => parse({ url: 'https://u:p@api.example.com' })).toThrow('url: must not carry a user name or password');
});

test('the old `secrets` mapping is refused with the new name; build secrets in `secrets` pass', () => {
  const old = { 'deploy-secrets': '', secrets: 'db_password=DB_PASSWORD' };
  expect(() => parse(old)).toThrow(/secrets: this input was renamed `deploy-secrets`/);
  // A SHOUTING_CASE name is the old form even when the variable is missing from the step.
  expect(() => parse({ 'deploy-secrets': '', secrets: 'api_key=API_KEY' })).toThrow(/renamed `deploy-secrets`/);
  // A real build secret value (not a variable name) is left to the build; deploy-secrets then maps nothing.
  expect(parse({ 'deploy-secrets': '', secrets: 'pip=s3cr3t-t0ken/with+chars' }).secrets).toEqual([]);
  // With deploy-secrets given, `secrets` is the build's, whatever it looks like.
  expect(parse({ secrets: 'db_password=DB_PASSWORD' }).secrets.map((s) => s.name)).toEqual(['db_password']);
});

test('lock-timeout: 600 s by default, bounded like the other timeouts; the run URL from the step environment', () => {
  expect(parse().lockTimeoutSeconds).toBe(600);
  expect(parse({ 'lock-timeout': '30s' }).lockTimeoutSeconds).toBe(30);
  expect(parse({ 'lock-timeout': '10m' }).lockTimeoutSeconds).toBe(600);
  expect(() => parse({ 'lock-timeout': '0' })).toThrow('lock-timeout: "0" must be at least one second');
  expect(() => parse({ 'lock-timeout': '86401' })).toThrow(/lock-timeout: "86401" is more than the maximum/);
  expect(parse().runUrl).toBeUndefined();
  const run = { ...env, GITHUB_SERVER_URL: 'https://github.example/', GITHUB_RUN_ID: '77' };
  expect(parse({}, run).runUrl).toBe('https://github.example/doongzi/doongzi-backend/actions/runs/77');
});
