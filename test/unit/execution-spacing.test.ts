import { describe, expect, it } from 'vitest';
import {
  findingExecutionName,
  grantSlots,
  holderHasEnded,
  releaseSlots,
  SLOT_LEASE_SECONDS,
  spacingKey,
  spacingTarget,
  worstCaseReceives,
} from '../../handlers/shared/execution-spacing.js';

const NOW = Date.parse('2026-11-23T09:00:00Z');

describe('spacingTarget', () => {
  it('Given an ASFF event, Then the target is the finding account and Region, not the event ones', () => {
    const event = {
      account: '111122223333',
      region: 'eu-west-1',
      detail: { findings: [{ AwsAccountId: '444455556666', Region: 'us-east-1' }] },
    };
    expect(spacingKey(spacingTarget(event))).toBe('444455556666/us-east-1');
  });

  it('Given an OCSF event, Then the target is cloud.account.uid and cloud.region', () => {
    const event = {
      account: '111122223333',
      region: 'eu-west-1',
      detail: { findings: [{ cloud: { account: { uid: '777788889999' }, region: 'ap-south-1' } }] },
    };
    expect(spacingKey(spacingTarget(event))).toBe('777788889999/ap-south-1');
  });

  it('Given a finding with no account, Then the event account and Region are used', () => {
    expect(spacingKey(spacingTarget({ account: '111122223333', region: 'eu-west-1', detail: {} }))).toBe(
      '111122223333/eu-west-1',
    );
  });
});

describe('findingExecutionName', () => {
  it('Given the same event id twice, Then the same valid name; another id, another name', () => {
    const name = findingExecutionName('6a7e8f0c-1111-2222-3333-444455556666');
    expect(name).toBe(findingExecutionName('6a7e8f0c-1111-2222-3333-444455556666'));
    expect(name).not.toBe(findingExecutionName('6a7e8f0c-1111-2222-3333-444455556667'));
    expect(name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
  });
});

describe('grantSlots', () => {
  it('Given 2 of 3 slots held, When 3 names ask, Then one is granted and two wait', () => {
    const grant = grantSlots({ a: NOW - 1000, b: NOW - 2000 }, ['c', 'd', 'e'], 3, NOW);
    expect(grant.granted).toEqual(['c']);
    expect(grant.denied).toEqual(['d', 'e']);
    expect(Object.keys(grant.leases).sort()).toEqual(['a', 'b', 'c']);
  });

  it('Given a full account where the name already holds a slot (a redelivery), Then it keeps it and takes no second one', () => {
    const grant = grantSlots({ a: NOW - 1000, b: NOW - 2000 }, ['a', 'a'], 2, NOW);
    expect(grant.granted).toEqual(['a']);
    expect(grant.leases).toEqual({ a: NOW - 1000, b: NOW - 2000 });
  });

  it('Given a lease older than SLOT_LEASE_SECONDS, Then it no longer counts', () => {
    const lapsed = NOW - SLOT_LEASE_SECONDS * 1000;
    const grant = grantSlots({ old: lapsed, b: NOW - 1 }, ['c'], 2, NOW);
    expect(grant.granted).toEqual(['c']);
    expect(Object.keys(grant.leases).sort()).toEqual(['b', 'c']);
  });
});

describe('releaseSlots and holderHasEnded', () => {
  it('Given ended and running holders, Then only the ended ones are released', () => {
    expect(releaseSlots({ a: 1, b: 2, c: 3 }, ['a', 'c'])).toEqual({ b: 2 });
    expect(holderHasEnded('SUCCEEDED', NOW, NOW, 300)).toBe(true);
    expect(holderHasEnded('CLEANING_UP', NOW, NOW, 300)).toBe(true);
    expect(holderHasEnded('RUNNING', NOW - 10_000_000, NOW, 300)).toBe(false);
    expect(holderHasEnded('UNKNOWN', NOW - 10_000_000, NOW, 300)).toBe(false);
  });

  it('Given a holder DescribeExecution does not find, Then it is released only after the grace period', () => {
    expect(holderHasEnded('NOT_FOUND', NOW - 299_000, NOW, 300)).toBe(false);
    expect(holderHasEnded('NOT_FOUND', NOW - 300_000, NOW, 300)).toBe(true);
  });
});

describe('worstCaseReceives', () => {
  it('Given 1,000 findings of one account and Region at 10 at once and a 180 s visibility timeout, Then at most 600 receives: under the 1,000 of the redrive policy', () => {
    // 100 generations, each at most a 900 s lease plus one 180 s visibility timeout: 6 receives each
    expect(worstCaseReceives(1000, 10, 180)).toBe(600);
    expect(worstCaseReceives(1000, 10, 180)).toBeLessThanOrEqual(1000);
  });
});
