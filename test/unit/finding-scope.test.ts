import { describe, expect, it } from 'vitest';
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';
import {
  type AccountPlacement,
  evaluateScope,
  type FindingScope,
  outOfScopeAnnotation,
  scopeNotEvaluatedAnnotation,
  UNRESTRICTED_SCOPE,
  usesOrganizations,
} from '../../handlers/shared/finding-scope.js';
import { EXECUTION } from './runtime-settings-fixture.js';

const ROOT = 'r-ab12';
const SECURITY = 'ou-ab12-security1';
const WORKLOADS = 'ou-ab12-workloads';
const SANDBOX = 'ou-ab12-sandbox12';

/** An account two levels down: Sandbox under Workloads under the root. */
const SANDBOX_ACCOUNT: AccountPlacement = { kind: 'placed', ancestors: [SANDBOX, WORKLOADS, ROOT] };
const MEMBER = { accountId: '222233334444', region: 'eu-west-1' };

function scope(
  overrides: Partial<Record<keyof FindingScope, Partial<FindingScope['accounts']>>>,
): FindingScope {
  const lists = (key: keyof FindingScope) => ({ allow: [], deny: [], ...overrides[key] });
  return {
    accounts: lists('accounts'),
    organizationalUnits: lists('organizationalUnits'),
    regions: lists('regions'),
  };
}

describe('evaluateScope', () => {
  it('Given no lists, When any finding is evaluated, Then it is in scope without a lookup', () => {
    expect(evaluateScope(UNRESTRICTED_SCOPE, MEMBER)).toEqual({ kind: 'in-scope' });
    expect(usesOrganizations(UNRESTRICTED_SCOPE)).toBe(false);
  });

  it('Given an account both on the allow list and under a denied unit, When evaluated, Then the deny wins', () => {
    const verdict = evaluateScope(
      scope({ accounts: { allow: [MEMBER.accountId] }, organizationalUnits: { deny: [WORKLOADS] } }),
      MEMBER,
      SANDBOX_ACCOUNT,
    );
    expect(verdict).toEqual({
      kind: 'out-of-scope',
      reason: `account 222233334444 is under organizational unit ${WORKLOADS}, on this deployment's organizational unit deny list`,
    });
  });

  it('Given an account deny list, When a denied account is evaluated, Then it is skipped before any lookup', () => {
    const verdict = evaluateScope(
      scope({ accounts: { deny: [MEMBER.accountId] }, organizationalUnits: { allow: [ROOT] } }),
      MEMBER,
    );
    expect(verdict).toEqual({
      kind: 'out-of-scope',
      reason: "account 222233334444 is on this deployment's account deny list",
    });
  });

  it('Given an allowed unit, When an account two levels below it is evaluated, Then it is in scope', () => {
    const lists = scope({ organizationalUnits: { allow: [WORKLOADS] } });
    expect(evaluateScope(lists, MEMBER)).toEqual({ kind: 'needs-placement' });
    expect(evaluateScope(lists, MEMBER, SANDBOX_ACCOUNT)).toEqual({ kind: 'in-scope' });
  });

  it('Given the root allowed, When an account of the organization is evaluated, Then it is in scope', () => {
    expect(evaluateScope(scope({ organizationalUnits: { allow: [ROOT] } }), MEMBER, SANDBOX_ACCOUNT)).toEqual(
      { kind: 'in-scope' },
    );
  });

  it('Given an allowed unit, When an account under a sibling unit is evaluated, Then it is out of scope', () => {
    const verdict = evaluateScope(
      scope({ organizationalUnits: { allow: [SECURITY] } }),
      MEMBER,
      SANDBOX_ACCOUNT,
    );
    expect(verdict).toEqual({
      kind: 'out-of-scope',
      reason:
        "account 222233334444 is neither on this deployment's account allow list nor under an allowed organizational unit",
    });
  });

  it('Given an allowed unit, When an account outside the organization is evaluated, Then the reason says so', () => {
    const verdict = evaluateScope(scope({ organizationalUnits: { allow: [ROOT] } }), MEMBER, {
      kind: 'outside-organization',
    });
    expect(verdict).toMatchObject({
      kind: 'out-of-scope',
      reason: expect.stringContaining('not in the organization'),
    });
  });

  it('Given only a unit deny list, When an account outside the organization is evaluated, Then it is in scope', () => {
    expect(
      evaluateScope(scope({ organizationalUnits: { deny: [WORKLOADS] } }), MEMBER, {
        kind: 'outside-organization',
      }),
    ).toEqual({ kind: 'in-scope' });
  });

  it('Given account and unit allow lists, When an allowed account is evaluated, Then no lookup is needed', () => {
    const lists = scope({
      accounts: { allow: [MEMBER.accountId] },
      organizationalUnits: { allow: [SECURITY] },
    });
    expect(evaluateScope(lists, MEMBER)).toEqual({ kind: 'in-scope' });
    expect(usesOrganizations(lists)).toBe(true);
  });

  it('Given an account allow list, When another account is evaluated, Then it is out of scope', () => {
    expect(evaluateScope(scope({ accounts: { allow: ['999988887777'] } }), MEMBER)).toMatchObject({
      kind: 'out-of-scope',
    });
  });

  it('Given a Region deny list, When a finding of that Region is evaluated, Then it is out of scope first', () => {
    const verdict = evaluateScope(
      scope({ regions: { deny: ['eu-west-1'] }, organizationalUnits: { allow: [ROOT] } }),
      MEMBER,
    );
    expect(verdict).toEqual({
      kind: 'out-of-scope',
      reason: "Region eu-west-1 is on this deployment's Region deny list",
    });
  });

  it('Given a Region allow list, When findings of a listed and an unlisted Region are evaluated, Then only the listed one is in scope', () => {
    const lists = scope({ regions: { allow: ['us-east-1', 'eu-west-1'] } });
    expect(evaluateScope(lists, MEMBER)).toEqual({ kind: 'in-scope' });
    expect(evaluateScope(lists, { ...MEMBER, region: 'ap-south-1' })).toEqual({
      kind: 'out-of-scope',
      reason: "Region ap-south-1 is not on this deployment's Region allow list",
    });
  });
});

describe('scope annotations', () => {
  const control = findControl('SageMaker.3');
  if (!control) throw new Error('no SageMaker.3');
  const finding: ValidatedFinding = {
    id: 'finding-1',
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
    accountId: MEMBER.accountId,
    region: MEMBER.region,
    control,
    complianceStatus: 'FAILED',
    recordState: 'ACTIVE',
    workflowStatus: 'NEW',
    resourceType: 'AwsSageMakerNotebookInstance',
    resourceArn: 'arn:aws:sagemaker:eu-west-1:222233334444:notebook-instance/research',
    notebookName: 'research',
  };

  it('Given an out-of-scope reason, When annotated, Then the finding is NOTIFIED as skipped with the reason', () => {
    const annotation = outOfScopeAnnotation(
      finding,
      "account 222233334444 is on this deployment's account deny list",
      EXECUTION,
    );
    expect(annotation).toMatchObject({ workflowStatus: 'NOTIFIED', outcome: 'SKIPPED_OUT_OF_SCOPE' });
    expect(annotation.note).toBe(
      "Skipped: account 222233334444 is on this deployment's account deny list, so SageMaker.3 was not remediated and nothing was changed. To remediate, change the deployment's scope, then set this finding back to NEW.",
    );
  });

  it('Given Organizations failed, When annotated, Then the note says nothing changed, why, and how it is retried', () => {
    const annotation = scopeNotEvaluatedAnnotation(
      finding,
      'AWS Organizations throttled ListParents',
      EXECUTION,
    );
    expect(annotation).toMatchObject({ workflowStatus: 'NOTIFIED', outcome: 'SCOPE_NOT_EVALUATED' });
    expect(annotation.note).toMatch(
      /^Not remediated: the scope could not be evaluated because AWS Organizations throttled ListParents\. Nothing was changed\. It will be retried when/,
    );
    expect(annotation.note.length).toBeLessThanOrEqual(512);
  });
});
