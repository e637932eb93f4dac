/**
 * What one deployment cannot do for a finding of another account or Region yet (pure): act in a
 * Region it was not configured for (members.linkedRegions). Everything else it can reach, a notebook
 * recreation in another account included (its member stack keeps the backup and restore resources).
 */
import { describe, expect, it } from 'vitest';
import { findControl, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { unreachableReason } from '../../handlers/shared/member-reach.js';

const members = { linkedRegions: [] as string[] };
const settings = { accountId: '111122223333', region: 'eu-west-1', modes: resolveModes(), members };
const control = (id: string) => {
  const found = findControl(id);
  if (!found) throw new Error(`no control ${id}`);
  return found;
};

describe('unreachableReason', () => {
  it('Given a SageMaker.3 finding of a member account in the deployment Region, Then it is reachable', () => {
    expect(
      unreachableReason(
        { accountId: '444455556666', region: 'eu-west-1', control: control('SageMaker.3') },
        settings,
      ),
    ).toBeUndefined();
  });

  it('Given a finding of a Region the deployment does not act in, Then the reason names the Regions it acts in and both lists to change', () => {
    expect(
      unreachableReason(
        { accountId: '111122223333', region: 'us-east-1', control: control('SageMaker.3') },
        { ...settings, members: { ...members, linkedRegions: ['eu-central-1'] } },
      ),
    ).toBe(
      'its resource is in us-east-1, and this deployment acts in eu-west-1, eu-central-1 only. Add us-east-1 to members.linkedRegions (and deploy the member stack there) to remediate it, or to scope.regions.deny to skip such findings quietly.',
    );
  });

  it('Given a member finding of a listed linked Region, Then it is reachable', () => {
    expect(
      unreachableReason(
        { accountId: '444455556666', region: 'us-east-1', control: control('SageMaker.3') },
        { ...settings, members: { ...members, linkedRegions: ['us-east-1'] } },
      ),
    ).toBeUndefined();
  });

  it('Given SageMaker.1 of a member account in approval mode, Then it is reachable: the member stack there keeps the data bucket and lifecycle configurations', () => {
    const member = { accountId: '444455556666', region: 'eu-west-1', control: control('SageMaker.1') };
    expect(unreachableReason(member, settings)).toBeUndefined();
    expect(unreachableReason({ ...member, accountId: '111122223333' }, settings)).toBeUndefined();
  });

  it('Given SageMaker.1 of a member account in notify mode, Then nothing would be recreated, so it is reachable', () => {
    const notify = { ...settings, modes: resolveModes({ 'SageMaker.1': 'notify' }) };
    expect(
      unreachableReason(
        { accountId: '444455556666', region: 'eu-west-1', control: control('SageMaker.1') },
        notify,
      ),
    ).toBeUndefined();
  });
});
