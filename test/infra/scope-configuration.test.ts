/**
 * The `scope` configuration: validated at synth with every problem listed, handed to the planning
 * function, and organizations:ListParents granted to it only when organizational unit lists need it.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseRuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { loadConfiguration, toRuntimeSettings } from '../../stacks/configuration.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { MAX_SCOPE_JSON_LENGTH } from '../../stacks/scope-configuration.js';
import { appWithoutBundling, buildStack, inlinePolicies, logicalId } from './synthesis.js';

const WORKLOADS = 'ou-ab12-workloads';
const ROOT = 'r-ab12';

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('scope configuration', () => {
  it('Given no scope, When loaded, Then every list is empty (every account and Region)', () => {
    expect(loadConfiguration({}).scope).toEqual({
      accounts: { allow: [], deny: [] },
      organizationalUnits: { allow: [], deny: [] },
      regions: { allow: [], deny: [] },
    });
  });

  it('Given valid lists, When loaded, Then they reach the planning settings as given', () => {
    const configuration = loadConfiguration({
      scope: {
        accounts: { deny: ['222233334444'] },
        organizationalUnits: { allow: [WORKLOADS, ROOT] },
        regions: { allow: ['eu-west-1', 'us-east-1'] },
      },
    });
    const settings = toRuntimeSettings(configuration, {
      accountId: '123456789012',
      region: 'eu-west-1',
      lockTableName: 'locks',
      lockSeconds: 21600,
    });
    expect(parseRuntimeSettings(JSON.stringify(settings)).scope).toEqual({
      accounts: { allow: [], deny: ['222233334444'] },
      organizationalUnits: { allow: [WORKLOADS, ROOT], deny: [] },
      regions: { allow: ['eu-west-1', 'us-east-1'], deny: [] },
    });
  });

  it('Given every kind of mistake at once, When loaded, Then each is listed in one error', () => {
    const message = errorOf(() =>
      loadConfiguration({
        scope: {
          accounts: { allow: ['12345', '222233334444'], deny: ['222233334444'] },
          organizationalUnits: { allow: ['ou-AB12-x', WORKLOADS, WORKLOADS], deny: ['o-abcdefghij'] },
          regions: { deny: ['Europe'] },
          tags: {},
        },
      }),
    );
    expect(message.split('\n')).toEqual([
      'Invalid remediation configuration:',
      '- scope.accounts.allow.0: must be a 12-digit account id',
      '- scope.accounts.deny.0: 222233334444 is both allowed and denied (a deny always wins): keep it on one list',
      '- scope.organizationalUnits.allow.0: must be an organizational unit id (ou-<root part>-<unit part>) or a root id (r-<4 to 32 characters>)',
      `- scope.organizationalUnits.allow.2: ${WORKLOADS} is listed twice`,
      '- scope.organizationalUnits.deny.0: must be an organizational unit id (ou-<root part>-<unit part>) or a root id (r-<4 to 32 characters>)',
      '- scope.regions.deny.0: must be an AWS Region name, for example eu-west-1',
      '- scope: Unrecognized key: "tags"',
    ]);
  });

  it('Given lists too long for the function environment, When loaded, Then the size is refused with the numbers', () => {
    const accounts = Array.from({ length: 70 }, (_, index) => String(100000000000 + index));
    const message = errorOf(() => loadConfiguration({ scope: { accounts: { allow: accounts } } }));
    expect(message).toMatch(
      new RegExp(`- scope: the lists take \\d+ characters as JSON, more than the ${MAX_SCOPE_JSON_LENGTH}`),
    );
  });
});

describe('scope IAM', () => {
  function planStatements(configuration: unknown) {
    const stack = buildStack(configuration, appWithoutBundling());
    const template = Template.fromStack(stack);
    const role = logicalId(stack, stack.planRemediationFunction.role ?? stack);
    return Object.values(inlinePolicies(template, role)).flat();
  }

  it('Given only account and Region lists, When synthesized, Then the planning role has no Organizations permission', () => {
    const statements = planStatements({
      scope: { accounts: { deny: ['222233334444'] }, regions: { allow: ['eu-west-1'] } },
    });
    expect(
      statements.flatMap((statement) => statement.Action).filter((a) => a.startsWith('organizations:')),
    ).toEqual([]);
  });

  it('Given an organizational unit list, When synthesized, Then the planning role may ListParents on accounts and units only', () => {
    const statements = planStatements({ scope: { organizationalUnits: { deny: [WORKLOADS] } } });
    expect(
      statements.filter((statement) => statement.Action.some((a) => a.startsWith('organizations:'))),
    ).toEqual([
      {
        Sid: 'ReadOrganizationParents',
        Effect: 'Allow',
        Action: ['organizations:ListParents'],
        Resource: ['arn:aws:organizations::*:account/o-*/*', 'arn:aws:organizations::*:ou/o-*/ou-*'],
      },
    ]);
  });

  it('Given an organizational unit list, When the AWS Solutions checks run, Then its wildcards are acknowledged (concrete and agnostic environments)', () => {
    const configuration = { scope: { organizationalUnits: { allow: [ROOT] } } };
    const concrete = appWithoutBundling();
    buildStack(configuration, concrete);
    const agnostic = appWithoutBundling();
    new SageMakerRemediationStack(agnostic, 'SageMakerRemediation', {
      configuration: loadConfiguration(configuration),
    });
    expect(new AwsSolutionsChecks().validateScope(concrete).violations).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(agnostic).violations).toEqual([]);
  });
});
