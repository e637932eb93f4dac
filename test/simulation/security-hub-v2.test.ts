import { BatchUpdateFindingsV2Command } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { SIMULATED_HUB_V2_ID } from '../../simulation/account/authorization-rules.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import { rejectionOf } from '../unit/caught-errors.js';
import { ACCOUNT_ID, allow, givenAccount, givenRole, sessionArnOf } from './authorization-fixtures.js';

const HUB_V2 = `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:hubv2/${SIMULATED_HUB_V2_ID}`;

function givenOcsfFinding() {
  const account = givenAccount();
  const received: Array<{ 'detail-type': string; detail: unknown }> = [];
  account.bus.addRule('all-v2', { 'detail-type': ['Findings Imported V2'] }, (event) => {
    received.push(event as never);
  });
  const finding = account.securityHub.ocsf.importFinding(
    ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'Research', account: ACCOUNT_ID }),
  );
  const identifier = {
    CloudAccountUid: finding.cloud.account.uid,
    FindingInfoUid: finding.finding_info.uid,
    MetadataProductUid: finding.metadata.product.uid,
  };
  return { account, finding, identifier, received };
}

describe('simulated Security Hub: OCSF findings and BatchUpdateFindingsV2', () => {
  it('Given an imported OCSF finding, When BatchUpdateFindingsV2 sets status_id 4 and a comment, Then the finding is Resolved with the comment and a Findings Imported V2 event follows each change', async () => {
    // Given
    const { account, finding, identifier, received } = givenOcsfFinding();

    // When
    const result = await account
      .sdkClients()
      .securityHub.send(
        new BatchUpdateFindingsV2Command({ FindingIdentifiers: [identifier], StatusId: 4, Comment: 'fixed' }),
      );
    await account.bus.settled();

    // Then
    expect(result.ProcessedFindings).toEqual([{ FindingIdentifier: identifier }]);
    expect(result.UnprocessedFindings).toEqual([]);
    expect(account.securityHub.ocsf.getFinding(finding.finding_info.uid)).toMatchObject({
      status_id: 4,
      status: 'Resolved',
      comment: 'fixed',
    });
    expect(received.map((event) => event['detail-type'])).toEqual([
      'Findings Imported V2',
      'Findings Imported V2',
    ]);
  });

  it('Given an unknown finding and a bad request, When BatchUpdateFindingsV2 is called, Then the unknown one is unprocessed and the bad request is refused as a whole', async () => {
    // Given
    const { account, identifier } = givenOcsfFinding();
    const unknown = { ...identifier, FindingInfoUid: 'nope' };

    // When
    const result = await account
      .sdkClients()
      .securityHub.send(new BatchUpdateFindingsV2Command({ FindingIdentifiers: [unknown], StatusId: 2 }));
    const both = await rejectionOf(
      account.sdkClients().securityHub.send(
        new BatchUpdateFindingsV2Command({
          FindingIdentifiers: [identifier],
          MetadataUids: ['x'],
          StatusId: 2,
        }),
      ),
      AwsServiceError,
    );
    const badStatus = await rejectionOf(
      account
        .sdkClients()
        .securityHub.send(
          new BatchUpdateFindingsV2Command({ FindingIdentifiers: [identifier], StatusId: 7 }),
        ),
      AwsServiceError,
    );

    // Then
    expect(result.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: unknown,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'ResourceNotFoundException',
      },
    ]);
    expect([both.name, badStatus.name]).toEqual(['ValidationException', 'ValidationException']);
  });

  it('Given a role allowed securityhub:BatchUpdateFindings on hubv2 for status_id 2 and 4 only, When it suppresses (3), Then it is refused: the V2 call is authorized as V1 with OCSFSyntaxPath/StatusId', async () => {
    // Given
    const { account, identifier } = givenOcsfFinding();
    const caller = givenRole(account, 'remediation', [
      allow('securityhub:BatchUpdateFindings', `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:hubv2/*`, {
        StringEquals: { 'securityhub:OCSFSyntaxPath/StatusId': ['2', '4'] },
      }),
    ]);
    const update = (StatusId: number) =>
      account
        .sdkClients(caller)
        .securityHub.send(new BatchUpdateFindingsV2Command({ FindingIdentifiers: [identifier], StatusId }));

    // When
    await update(4);
    const error = await rejectionOf(update(3), AwsServiceError);

    // Then
    expect([error.name, error.message]).toEqual([
      'AccessDeniedException',
      `User: ${sessionArnOf('remediation')} is not authorized to perform: securityhub:BatchUpdateFindings on ` +
        `resource: ${HUB_V2} because no identity-based policy allows the securityhub:BatchUpdateFindings action`,
    ]);
  });
});
