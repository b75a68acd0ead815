// The rule catalog: every RuleId has exactly one rule, every rule's id is a RuleId, and each check can raise only
// its own rule's id.
import { ALL_RULES, DEFINED_RULES, ruleById, ruleTitle } from '../../src/check/catalog.js';
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { DOCKERFILE_RULES } from '../../src/check/dockerfile/rules/dockerfile-rules.js';
import { parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { IMAGE_RULES } from '../../src/check/image/rules/image-rules.js';
import { PROD_RULES } from '../../src/compose/rules/prod-rules.js';
import { runChecks } from '../../src/findings/rule-module.js';
import { RULE_IDS } from '../../src/rules/rule-ids.js';

const count = (ids: readonly string[]) =>
  ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

describe('the rule catalog', () => {
  test('RULE_IDS are unique', () => {
    expect([...count(RULE_IDS)].filter(([, n]) => n > 1)).toEqual([]);
  });

  test('every RuleId has exactly one rule, and every rule has a RuleId', () => {
    const defined = count(DEFINED_RULES.map((r) => r.id));
    expect(RULE_IDS.filter((id) => defined.get(id) !== 1)).toEqual([]);
    expect([...defined.keys()].filter((id) => !(RULE_IDS as readonly string[]).includes(id))).toEqual([]);
    expect(ALL_RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
  });

  test('rule names are unique kebab-case, and each module sits with the rules of its area', () => {
    const names = ALL_RULES.map((r) => r.name);
    expect(names.filter((n) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(n))).toEqual([]);
    expect([...count(names)].filter(([, n]) => n > 1)).toEqual([]);
    expect(DOCKERFILE_RULES.every((r) => r.meta.id.startsWith('DA-DF-') && r.meta.area === 'dockerfile')).toBe(true);
    expect(IMAGE_RULES.every((r) => r.meta.id.startsWith('DA-IMG-') && r.meta.area === 'image')).toBe(true);
    expect(PROD_RULES.every((r) => r.meta.id.startsWith('DA-CMP-'))).toBe(true);
  });

  test('supersedes names rules of the catalog', () => {
    for (const rule of ALL_RULES) for (const id of rule.supersedes ?? []) expect(ruleById(id)).toBeDefined();
    expect(ruleTitle('DA-IMG-001')).toBe('DA-IMG-001 runs-as-root');
  });
});

describe('a check raises only its own rule', () => {
  test("each Dockerfile rule's findings carry its id and severity, and together they are lintDockerfile's", () => {
    // Two Dockerfiles: a USER that is missing (DA-DF-002) and one that hangs on an unset ARG (DA-DF-006) exclude
    // each other in one file.
    const contexts = [
      'FROM python:3.12-slim\nENV API_TOKEN=x\nCOPY --from=ghcr.io/astral-sh/uv /uv /bin/\nRUN echo "app ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers\n',
      'FROM python:3.12-slim\nARG UID\nUSER $UID\n',
    ].map((text) => {
      const parsed = parseDockerfile(text);
      return { file: 'Dockerfile', parsed, target: parsed.stages[0]!, dockerIgnore: undefined, dockerIgnorePath: '' };
    });
    const all = contexts.flatMap((ctx) => lintDockerfile(ctx));
    expect(new Set(all.map((f) => f.ruleId)).size).toBe(DOCKERFILE_RULES.length);
    for (const rule of DOCKERFILE_RULES) {
      const own = contexts.flatMap((ctx) => runChecks([rule], ctx));
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((f) => f.ruleId === rule.meta.id && f.severity === rule.meta.severity)).toBe(true);
    }
  });
});
