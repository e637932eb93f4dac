/**
 * What one deployment cannot do for a finding of another account or Region yet (pure): act in a
 * linked Region (its SDK Tasks stay in their own Region), and recreate a notebook in another account
 * (the backup and restore resources are not in the member stack). Everything else it can reach.
 */
import { describe, expect, it } from 'vitest';
import { findControl, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { unreachableReason } from '../../handlers/shared/member-reach.js';

const settings = { accountId: '111122223333', region: 'eu-west-1', modes: resolveModes() };
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

  it('Given a finding of the deployment account in a linked Region, Then the reason names both Regions and the deny list', () => {
    expect(
      unreachableReason(
        { accountId: '111122223333', region: 'us-east-1', control: control('SageMaker.3') },
        settings,
      ),
    ).toBe(
      "its resource is in us-east-1, and this deployment acts in eu-west-1 only (its state machine's AWS SDK calls do not cross Regions). Add us-east-1 to scope.regions.deny to skip such findings quietly.",
    );
  });

  it('Given SageMaker.1 of a member account in approval mode, Then the recreation is refused, and in its own account it is not', () => {
    const member = { accountId: '444455556666', region: 'eu-west-1', control: control('SageMaker.1') };
    expect(unreachableReason(member, settings)).toContain(
      'recreating a notebook instance in account 444455556666 needs backup and restore resources there',
    );
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
