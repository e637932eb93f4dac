/**
 * The Organizations lookup of the scope (handlers/shared/organization-placement.ts) against the
 * simulated Organizations: the parent chain, its cache, and every error turned into "not evaluated".
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPlacementReader,
  decideScope,
  PLACEMENT_CACHE_SECONDS,
} from '../../handlers/shared/organization-placement.js';
import { SimulatedAccount } from '../../simulation/account/account.js';

const MEMBER = '222233334444';
const accounts: SimulatedAccount[] = [];

afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** The deployment's account (management by default) and an organization Root > Workloads > Sandbox > MEMBER. */
function givenOrganization(role: 'management' | 'member' | 'delegated' | 'none' = 'management') {
  const deployment = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(deployment);
  const management =
    role === 'management' ? deployment : new SimulatedAccount({ accountId: '999900001111', latencyMs: 0 });
  if (management !== deployment) accounts.push(management);
  const organization = management.organizations.createOrganization();
  const workloads = organization.createOrganizationalUnit('Workloads');
  const sandbox = organization.createOrganizationalUnit('Sandbox', workloads);
  organization.placeAccount(MEMBER, sandbox);
  if (role === 'member' || role === 'delegated') deployment.organizations.join(organization);
  if (role === 'delegated') organization.registerDelegatedAdministrator(deployment.accountId);
  const client = deployment.sdkClients(deployment.administrator, { maxAttempts: 5 })
    .organizations as unknown as Pick<OrganizationsClient, 'send'>;
  const reader = createPlacementReader(client, () => deployment.clock.now());
  return { deployment, organization, workloads, sandbox, reader };
}

const listParentsCalls = (account: SimulatedAccount) =>
  account.callsTo('Organizations', 'ListParents').length;

describe('createPlacementReader', () => {
  it('Given an account two units deep, When it is placed, Then its chain runs up to the root', async () => {
    const { organization, workloads, sandbox, reader } = givenOrganization();
    expect(await reader.placementOf(MEMBER)).toEqual({
      kind: 'placed',
      ancestors: [sandbox, workloads, organization.rootId],
    });
  });

  it('Given a placed account, When it is placed again within the cache time, Then Organizations is not asked again', async () => {
    const { deployment, reader } = givenOrganization();
    await reader.placementOf(MEMBER);
    const calls = listParentsCalls(deployment);
    await reader.placementOf(MEMBER);
    expect(listParentsCalls(deployment)).toBe(calls);
  });

  it('Given an account moved after it was cached, When the cache time has passed, Then its new place is read', async () => {
    const { deployment, organization, workloads, sandbox, reader } = givenOrganization();
    await reader.placementOf(MEMBER);
    const security = organization.createOrganizationalUnit('Security');
    organization.placeAccount(MEMBER, security);
    deployment.clock.advance(PLACEMENT_CACHE_SECONDS * 1000 - 1);
    expect(await reader.placementOf(MEMBER)).toEqual({
      kind: 'placed',
      ancestors: [sandbox, workloads, organization.rootId],
    });
    deployment.clock.advance(1);
    expect(await reader.placementOf(MEMBER)).toEqual({
      kind: 'placed',
      ancestors: [security, organization.rootId],
    });
  });

  it('Given a delegated administrator, When it places an account, Then Organizations answers it', async () => {
    const { reader } = givenOrganization('delegated');
    expect(await reader.placementOf(MEMBER)).toMatchObject({ kind: 'placed' });
  });

  it('Given an account not in the organization, When it is placed, Then it is outside (ChildNotFoundException)', async () => {
    const { reader } = givenOrganization();
    expect(await reader.placementOf('555566667777')).toEqual({ kind: 'outside-organization' });
  });

  it('Given a plain member account, When it places an account, Then the cause names AccessDeniedException', async () => {
    const { reader } = givenOrganization('member');
    const placement = await reader.placementOf(MEMBER);
    expect(placement).toMatchObject({
      kind: 'unknown',
      cause: expect.stringContaining('AccessDeniedException'),
    });
  });

  it('Given an account in no organization, When it places an account, Then the cause names AWSOrganizationsNotInUseException', async () => {
    const { reader } = givenOrganization('none');
    const placement = await reader.placementOf(MEMBER);
    expect(placement).toMatchObject({
      kind: 'unknown',
      cause: expect.stringContaining('AWSOrganizationsNotInUseException'),
    });
  });

  it('Given Organizations throttling past the retries, When an account is placed, Then it is unknown and nothing is cached', async () => {
    const { deployment, reader } = givenOrganization();
    deployment.faults.failNext({
      service: 'Organizations',
      operation: 'ListParents',
      code: 'TooManyRequestsException',
      times: 5,
    });
    expect(await reader.placementOf(MEMBER)).toMatchObject({
      kind: 'unknown',
      cause: expect.stringContaining('TooManyRequestsException'),
    });
    expect(listParentsCalls(deployment)).toBe(5);
    expect(await reader.placementOf(MEMBER)).toMatchObject({ kind: 'placed' });
  });

  it('Given a unit deleted during the walk, When the account is placed, Then it is unknown, not outside', async () => {
    const sandbox = 'ou-ab12-sandbox12';
    const changing = {
      // The account's parent is read, then the unit goes away before its own parent is read.
      send: async (command: { input: { ChildId: string } }) => {
        if (command.input.ChildId === MEMBER)
          return { Parents: [{ Id: sandbox, Type: 'ORGANIZATIONAL_UNIT' }] };
        throw Object.assign(new Error('not found'), { name: 'ChildNotFoundException' });
      },
    };
    const walking = createPlacementReader(
      changing as unknown as Pick<OrganizationsClient, 'send'>,
      () => new Date(),
    );
    expect(await walking.placementOf(MEMBER)).toMatchObject({
      kind: 'unknown',
      cause: expect.stringContaining(`organizational unit ${sandbox} was not found`),
    });
  });
});

describe('decideScope', () => {
  const subject = { accountId: MEMBER, region: 'eu-west-1' };
  const unitScope = (unit: string) => ({
    accounts: { allow: [], deny: [] },
    organizationalUnits: { allow: [unit], deny: [] },
    regions: { allow: [], deny: [] },
  });

  it('Given a Region decided without Organizations, When the scope is decided, Then Organizations is not called', async () => {
    const { deployment, workloads, reader } = givenOrganization();
    const scope = { ...unitScope(workloads), regions: { allow: [], deny: ['eu-west-1'] } };
    expect(await decideScope(scope, subject, reader)).toMatchObject({ kind: 'out-of-scope' });
    expect(listParentsCalls(deployment)).toBe(0);
  });

  it('Given an allowed unit above the account, When the scope is decided, Then it is in scope', async () => {
    const { workloads, reader } = givenOrganization();
    expect(await decideScope(unitScope(workloads), subject, reader)).toEqual({ kind: 'in-scope' });
  });

  it('Given Organizations denies the lookup, When the scope is decided, Then it is not evaluated (never allowed)', async () => {
    const { workloads, reader } = givenOrganization('member');
    expect(await decideScope(unitScope(workloads), subject, reader)).toMatchObject({
      kind: 'not-evaluated',
    });
  });

  it('Given no Organizations client, When a unit list must decide, Then it is not evaluated', async () => {
    const { workloads } = givenOrganization();
    expect(await decideScope(unitScope(workloads), subject, undefined)).toMatchObject({
      kind: 'not-evaluated',
    });
  });
});
