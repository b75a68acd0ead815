import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLayerViolations } from '../../scripts/layers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const violations = (dir: string): string[] => findLayerViolations(resolve(here, dir));

describe('one-way layers', () => {
  it('src/ imports only downward', () => {
    expect(violations('../../src')).toEqual([]);
  });

  it('catches an upward import and a restricted package in a bad sample', () => {
    const found = violations('../samples/layers-upward');
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /compose\/model\.ts:2: "compose" imports "\.\.\/deploy\/plan\.js" from "deploy", a layer above it/,
        ),
        expect.stringMatching(/check\/log\.ts:2: "check" imports @actions\/core; only action, report may/),
      ]),
    );
  });

  it('lets only src/process/ start a child process', () => {
    expect(violations('../samples/layers-spawn')).toEqual([
      expect.stringMatching(/deploy\/docker\.ts:2: "deploy" imports node:child_process; only process may/),
      expect.stringMatching(/deploy\/docker\.ts:4: "deploy" imports child_process; only process may/),
      expect.stringMatching(/deploy\/docker\.ts:5: "deploy" imports @actions\/exec; only process may/),
    ]);
  });
});
