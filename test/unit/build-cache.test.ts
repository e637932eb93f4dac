/**
 * What the test run builds once and shares between its processes: templates and bundles are addressed
 * by the content of their sources, so an edited source is built anew; templates and definitions are
 * parsed once and shared frozen; state machine definitions are validated once per process (a frozen one
 * is also substituted once per set of values), and a rejected one is rejected every time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedText, contentDigest, PROJECT_ROOT } from '../../simulation/deploy/build-cache.js';
import { synthesizeTemplate } from '../../simulation/deploy/synthesize.js';
import { deepFreeze } from '../../simulation/frozen-json.js';
import { LocalStateMachine } from '../../simulation/runner/local-state-machine.js';
import type { StateMachineDefinition, TaskState } from '../../statemachines/amazon-states-language.js';
import { placeholder } from '../../statemachines/state-builders.js';
import { givenBackend, machineOf } from './local-runner-fixtures.js';

const KIND = 'build-cache-test';
const scratch: string[] = [];

afterEach(() => {
  for (const directory of scratch.splice(0)) rmSync(directory, { recursive: true, force: true });
  rmSync(join(PROJECT_ROOT, 'node_modules', '.cache', KIND), { recursive: true, force: true });
});

const sourcesIn = (root: string) => ({ kind: KIND, paths: [root] });

/** A folder of sources with one file. */
function givenSources(content: string): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'build-cache-sources-'));
  scratch.push(root);
  const file = join(root, 'stack.ts');
  writeFileSync(file, content);
  return { root, file };
}

describe('the build cache', () => {
  it('Given a text built from some sources, When it is asked for again, Then it is read back, not built again', () => {
    const { root } = givenSources('export const a = 1;\n');
    const builds: string[] = [];
    const build = () => {
      builds.push('built');
      return `{"n":${builds.length}}`;
    };

    const first = cachedText(sourcesIn(root), ['request'], build);
    const second = cachedText(sourcesIn(root), ['request'], build);

    expect([first, second]).toEqual(['{"n":1}', '{"n":1}']);
    expect(builds).toEqual(['built']);
  });

  it('Given a text built from some sources, When one of them changes, Then it is built anew from the new sources', () => {
    const { root, file } = givenSources('export const a = 1;\n');
    let builds = 0;
    const build = () => String(++builds);
    cachedText(sourcesIn(root), ['request'], build);

    writeFileSync(file, 'export const a = 2;\n');

    expect(cachedText(sourcesIn(root), ['request'], build)).toBe('2');
  });

  it('Given two requests from the same sources, When each is asked for, Then each has its own entry', () => {
    const { root } = givenSources('export const a = 1;\n');

    cachedText(sourcesIn(root), ['one'], () => 'one');

    expect(cachedText(sourcesIn(root), ['two'], () => 'two')).toBe('two');
    expect(cachedText(sourcesIn(root), ['one'], () => 'built again')).toBe('one');
  });

  it('Given a builder whose code was loaded from older sources, When it builds, Then it neither reads nor keeps an entry', () => {
    const { root } = givenSources('export const a = 1;\n');
    cachedText(sourcesIn(root), ['request'], () => 'current');
    const stale = { ...sourcesIn(root), digestAtLoad: contentDigest([root]).replace(/^./, 'x') };

    expect(cachedText(stale, ['request'], () => 'from older code')).toBe('from older code');
    expect(cachedText(stale, ['other'], () => 'from older code')).toBe('from older code');
    expect(cachedText(sourcesIn(root), ['other'], () => 'current')).toBe('current');
  });

  it('Given a source edited while the text is built, When it is asked for again, Then it is built again', () => {
    const { root, file } = givenSources('export const a = 1;\n');
    cachedText(sourcesIn(root), ['request'], () => {
      writeFileSync(file, 'export const a = 2;\n');
      return 'built from a = 1';
    });
    writeFileSync(file, 'export const a = 1;\n');

    expect(cachedText(sourcesIn(root), ['request'], () => 'built again')).toBe('built again');
  });

  it('Given a folder of sources, When a file is added, renamed or removed, Then its digest changes; unchanged, it does not', () => {
    const { root, file } = givenSources('export const a = 1;\n');
    const before = contentDigest([root]);
    expect(contentDigest([root])).toBe(before);

    writeFileSync(join(root, 'more.ts'), '');
    const added = contentDigest([root]);
    rmSync(join(root, 'more.ts'));
    writeFileSync(join(root, 'other.ts'), '');
    const renamed = contentDigest([root]);
    rmSync(file);

    expect(new Set([before, added, renamed, contentDigest([root])]).size).toBe(4);
  });
});

describe('synthesized templates', () => {
  it('Given a template synthesized before, When a caller tries to change it, Then the change is refused and the next caller gets it as synthesized', () => {
    const target = { configuration: {}, accountId: '111122223333', region: 'eu-west-1' };
    const first = synthesizeTemplate(target);
    const resources = Object.keys(first.Resources).length;
    const [logicalId = '', resource] = Object.entries(first.Resources)[0] ?? [];

    expect(() => {
      (first as { Resources: unknown }).Resources = {};
    }).toThrow(TypeError);
    expect(() => {
      (resource as { Properties: unknown }).Properties = {};
    }).toThrow(TypeError);

    const second = synthesizeTemplate(target);
    expect(Object.keys(second.Resources)).toHaveLength(resources);
    expect(second.Resources[logicalId]).toEqual(resource);
  });
});

describe('state machine definitions validated once', () => {
  const definition: StateMachineDefinition = {
    StartAt: 'Done',
    States: { Done: { Type: 'Pass', End: true } },
  };

  it('Given a definition validated before, When a second machine runs it, Then it gets the definition as validated', () => {
    const first = machineOf(definition, givenBackend().backend);
    const second = machineOf(definition, givenBackend().backend);

    expect(second.substitutedDefinition).toEqual(first.substitutedDefinition);
    expect(second.substitutedDefinition).not.toBe(first.substitutedDefinition);
  });

  it('Given a frozen definition (as every deployment of one text gets), When two machines run it with the same values, Then they share one prepared definition, frozen all the way down', () => {
    const frozen = deepFreeze(structuredClone(definition));
    const first = machineOf(frozen, givenBackend().backend);
    const second = machineOf(frozen, givenBackend().backend);

    expect(second.substitutedDefinition).toBe(first.substitutedDefinition);
    expect(Object.isFrozen(first.substitutedDefinition.States.Done)).toBe(true);
  });

  it('Given a frozen definition with a placeholder, When machines run it with other values, Then each gets its own substitution', () => {
    const frozen = deepFreeze<StateMachineDefinition>({
      StartAt: 'Alert',
      States: {
        Alert: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sns:publish',
          Parameters: { TopicArn: placeholder('Topic'), Message: 'hello' },
          End: true,
        },
      },
    });
    const topicOf = (topic: string) => {
      const machine = new LocalStateMachine({
        name: 'alerts',
        definition: frozen,
        backend: givenBackend().backend,
        functions: {},
        resources: { Topic: topic },
      });
      return (machine.substitutedDefinition.States.Alert as TaskState).Parameters?.TopicArn;
    };

    expect(topicOf('arn:aws:sns:eu-west-1:111122223333:first')).toBe(
      'arn:aws:sns:eu-west-1:111122223333:first',
    );
    expect(topicOf('arn:aws:sns:eu-west-1:111122223333:second')).toBe(
      'arn:aws:sns:eu-west-1:111122223333:second',
    );
    expect(topicOf('arn:aws:sns:eu-west-1:111122223333:first')).toBe(
      'arn:aws:sns:eu-west-1:111122223333:first',
    );
  });

  it('Given a definition that is not frozen, When it is changed between two machines, Then the second runs the changed definition', () => {
    const changing = structuredClone(definition) as { States: Record<string, unknown> };
    const first = machineOf(changing as unknown as StateMachineDefinition, givenBackend().backend);
    changing.States.Done = { Type: 'Succeed' };
    const second = machineOf(changing as unknown as StateMachineDefinition, givenBackend().backend);

    expect(first.substitutedDefinition.States.Done?.Type).toBe('Pass');
    expect(second.substitutedDefinition.States.Done?.Type).toBe('Succeed');
  });

  it('Given an invalid definition, When machines are made from it twice, Then both are refused', () => {
    const invalid = {
      StartAt: 'Missing',
      States: { Done: { Type: 'Pass', End: true } },
    } as StateMachineDefinition;

    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => machineOf(invalid, givenBackend().backend)).toThrow(/State machine definition is invalid/);
    }
  });
});
