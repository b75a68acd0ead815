// The image proofs, one describe per rule id, run on image facts as verify-image.ts gathers them from `docker save`
// (tests/e2e/check-image.test.ts builds real images for the same rules).
import { resolveUser } from '../../src/check/image/accounts.js';
import type { ImageRuleContext, ToolsAddedBy } from '../../src/check/image/rules/context.js';
import { IMAGE_RULES } from '../../src/check/image/rules/image-rules.js';
import { runChecks } from '../../src/findings/rule-module.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nappuser:x:999:999::/home/appuser:/bin/sh\n';
const GROUP = 'root:x:0:\nappuser:x:999:\n';
const at = (line: number) => ({ file: 'deploy/Dockerfile', line });

/** Runs the image proofs on an image whose config says `USER configured` and whose account files are PASSWD, GROUP. */
function image(facts: Partial<Omit<ImageRuleContext, 'configuredUser' | 'user'>> & { configured?: string } = {}) {
  const { configured: configuredUser = 'appuser', ...rest } = facts;
  const ctx: ImageRuleContext = {
    configuredUser,
    user: resolveUser(configuredUser, PASSWD, GROUP),
    userAt: at(6),
    shippedTools: [],
    deletedTools: [],
    sudoGrants: [],
    secretFiles: [],
    setuidFiles: [],
    ...rest,
  };
  return runChecks(IMAGE_RULES, ctx);
}
const ids = (facts: Parameters<typeof image>[0]) => image(facts).map((f) => `${f.ruleId}@${f.location?.line}`);

const gccByRun: ToolsAddedBy = {
  where: 'RUN at line 3',
  location: at(3),
  files: [
    { path: 'usr/bin/gcc-12', tool: 'gcc', size: 1000 },
    { path: 'usr/bin/make', tool: 'make', size: 200 },
  ],
};

test('a non-root appuser with no tools passes every image proof', () => {
  expect(image()).toEqual([]);
});

describe('DA-IMG-001 runs-as-root', () => {
  test('catches an image with no USER, on the USER line', () => {
    const [f] = image({ configured: '' });
    expect(f).toMatchObject({ ruleId: 'DA-IMG-001', severity: 'error', location: at(6) });
    expect(f!.message).toBe(
      'The image sets no USER, so it runs as root (uid 0). Run the final stage as a non-root account.',
    );
  });
  test('catches a user name that resolves to uid 0 through another account', () => {
    expect(image({ configured: 'toor' })[0]!.message).toContain(
      "USER 'toor' resolves to uid 0 (root) through the account 'toor'",
    );
  });
  test('does not catch a non-root account or an unresolvable user (DA-IMG-002)', () => {
    expect(ids({ configured: 'appuser' })).toEqual([]);
    expect(ids({ configured: '10001' })).toEqual([]);
    expect(ids({ configured: 'nobody' })).not.toContain('DA-IMG-001@6');
  });
});

describe('DA-IMG-002 unknown-user', () => {
  test('catches a USER name the image does not define', () => {
    const [f] = image({ configured: 'nobody' });
    expect(f).toMatchObject({ ruleId: 'DA-IMG-002', severity: 'error', location: at(6) });
    expect(f!.message).toContain("USER 'nobody' cannot be resolved in the image: unable to find user nobody");
  });
  test('does not catch a defined name or a numeric uid', () => {
    expect(ids({ configured: 'appuser' })).toEqual([]);
    expect(ids({ configured: '10001:10001' })).toEqual([]);
  });
});

describe('DA-IMG-003 build-tool-in-image', () => {
  test('catches tools in the runtime filesystem, one finding per instruction that added them', () => {
    const [f] = image({ shippedTools: [gccByRun] });
    expect(f).toMatchObject({ ruleId: 'DA-IMG-003', severity: 'error', location: at(3) });
    expect(f!.message).toBe(
      'Build tools in the runtime image, added by RUN at line 3: /usr/bin/gcc-12 (gcc), /usr/bin/make (make).',
    );
  });
  test('lists eight paths and counts the rest', () => {
    const files = Array.from({ length: 10 }, (_, i) => ({ path: `usr/bin/t${i}`, tool: `t${i}`, size: 1 }));
    expect(image({ shippedTools: [{ ...gccByRun, files }] })[0]!.message).toMatch(/t7 \(t7\) and 2 more\.$/);
  });
  test('does not catch tools that a later layer deleted (DA-IMG-004)', () => {
    expect(ids({ deletedTools: [gccByRun] })).toEqual(['DA-IMG-004@3']);
  });
});

describe('DA-IMG-004 deleted-tool-still-shipped', () => {
  test('catches tools added by one layer and deleted by a later one, with the bytes they still cost', () => {
    const [f] = image({ deletedTools: [gccByRun] });
    expect(f).toMatchObject({ ruleId: 'DA-IMG-004', severity: 'warning', location: at(3) });
    expect(f!.message).toBe(
      '/usr/bin/gcc-12, /usr/bin/make added by RUN at line 3 and deleted by a later layer: absent at runtime, but 1.2 kB (1200 bytes) still ship with every pull.',
    );
  });
  test('does not catch tools still present (DA-IMG-003)', () => {
    expect(ids({ shippedTools: [gccByRun] })).toEqual(['DA-IMG-003@3']);
  });
});
