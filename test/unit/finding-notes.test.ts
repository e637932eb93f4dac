/**
 * Notes that Lambdas write on findings of either Security Hub (handlers/shared/finding-notes.ts): the
 * ASFF findings with BatchUpdateFindings, the OCSF findings with BatchUpdateFindingsV2, in calls of at
 * most 100, and what Security Hub did not take, per finding.
 */
import {
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  GONE_REFUSALS,
  MAX_FINDINGS_PER_CALL,
  noteCalls,
  TRANSIENT_REFUSALS,
  writeFindingNotes,
} from '../../handlers/shared/finding-notes.js';
import type { FindingIdentifier, OcsfFindingIdentifier } from '../../handlers/shared/notebook-locks.js';

const PRODUCT = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';
const PRODUCT_V2 = 'arn:aws:securityhub:eu-west-1::productv2/aws/securityhub';

const asff = (id: string): FindingIdentifier => ({ Id: id, ProductArn: PRODUCT });
const ocsf = (uid: string, account = '111122223333'): OcsfFindingIdentifier => ({
  CloudAccountUid: account,
  FindingInfoUid: uid,
  MetadataProductUid: PRODUCT_V2,
});

describe('noteCalls: one note, each finding through the API of its format', () => {
  it('Given ASFF and OCSF findings, When a NOTIFIED note is split, Then the OCSF ones get one BatchUpdateFindingsV2 (status_id 2, the text as Comment) and the ASFF ones one BatchUpdateFindings', () => {
    const calls = noteCalls([asff('a-1'), ocsf('o-1'), asff('a-2')], {
      text: 'Cleared.',
      status: 'NOTIFIED',
    });

    expect(calls.map((call) => call.api)).toEqual(['BatchUpdateFindingsV2', 'BatchUpdateFindings']);
    expect(calls[0]?.input).toEqual({ FindingIdentifiers: [ocsf('o-1')], StatusId: 2, Comment: 'Cleared.' });
    expect(calls[1]?.input).toEqual({
      FindingIdentifiers: [asff('a-1'), asff('a-2')],
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'Cleared.', UpdatedBy: 'sagemaker-remediation' },
    });
  });

  it('Given a note without a status, When it is split, Then neither call sets a status', () => {
    const calls = noteCalls([asff('a-1'), ocsf('o-1')], { text: 'Nothing to approve.' });

    expect(calls.map((call) => call.input)).toEqual([
      { FindingIdentifiers: [ocsf('o-1')], Comment: 'Nothing to approve.' },
      {
        FindingIdentifiers: [asff('a-1')],
        Note: { Text: 'Nothing to approve.', UpdatedBy: 'sagemaker-remediation' },
      },
    ]);
  });

  it('Given only ASFF findings, When they are split, Then no BatchUpdateFindingsV2 call is made (a Lambda without the hubv2 grant never needs it)', () => {
    expect(noteCalls([asff('a-1')], { text: 'x' }).map((call) => call.api)).toEqual(['BatchUpdateFindings']);
    expect(noteCalls([], { text: 'x' })).toEqual([]);
  });

  it('Given 250 OCSF and 101 ASFF findings with duplicates and an empty id, When they are split, Then calls of at most 100, without the duplicates or the empty one, in order', () => {
    const many = Array.from({ length: 250 }, (_, index) => ocsf(`o-${index}`));
    const asffMany = Array.from({ length: 101 }, (_, index) => asff(`a-${index}`));
    const findings = [...many, ocsf('o-7'), ...asffMany, asff('a-3'), asff(''), ocsf('')];

    const calls = noteCalls(findings, { text: 'x', status: 'NOTIFIED' });

    expect(MAX_FINDINGS_PER_CALL).toBe(100);
    expect(calls.map((call) => `${call.api} ${call.findings.length}`)).toEqual([
      'BatchUpdateFindingsV2 100',
      'BatchUpdateFindingsV2 100',
      'BatchUpdateFindingsV2 50',
      'BatchUpdateFindings 100',
      'BatchUpdateFindings 1',
    ]);
    const v2 = calls.filter((call) => call.api === 'BatchUpdateFindingsV2').flatMap((call) => call.findings);
    expect(v2).toEqual(many);
  });

  it('Given the same OCSF uid in two accounts, When they are split, Then both are kept: they are two findings', () => {
    const [call] = noteCalls([ocsf('o-1', '111122223333'), ocsf('o-1', '444455556666')], { text: 'x' });
    expect(call?.findings).toHaveLength(2);
  });
});

/** A Security Hub client answering each call from `answer`, recording the commands it got. */
function fakeSecurityHub(answer: (command: unknown) => unknown) {
  const sent: Array<{ name: string; input: unknown }> = [];
  const client = {
    send: async (command: unknown) => {
      const name =
        command instanceof BatchUpdateFindingsV2Command
          ? 'BatchUpdateFindingsV2'
          : command instanceof BatchUpdateFindingsCommand
            ? 'BatchUpdateFindings'
            : 'other';
      sent.push({ name, input: (command as { input: unknown }).input });
      return answer(command);
    },
  } as unknown as Pick<SecurityHubClient, 'send'>;
  return { client, sent };
}

describe('writeFindingNotes: what Security Hub took, refused and failed', () => {
  it('Given Security Hub refusing one OCSF finding (ConflictException) and one ASFF finding (FindingNotFound), When the note is written, Then the others count as noted and each refusal names its finding and code', async () => {
    const { client, sent } = fakeSecurityHub((command) =>
      command instanceof BatchUpdateFindingsV2Command
        ? {
            ProcessedFindings: [{ FindingIdentifier: ocsf('o-1') }],
            UnprocessedFindings: [
              { FindingIdentifier: ocsf('o-2'), ErrorCode: 'ConflictException', ErrorMessage: 'busy' },
            ],
          }
        : {
            ProcessedFindings: [],
            UnprocessedFindings: [
              {
                FindingIdentifier: asff('a-1'),
                ErrorCode: 'FindingNotFound',
                ErrorMessage: 'Finding Not Found',
              },
            ],
          },
    );

    const written = await writeFindingNotes(client, [ocsf('o-1'), ocsf('o-2'), asff('a-1')], {
      text: 'Cleared.',
      status: 'NOTIFIED',
    });

    expect(sent.map((call) => call.name)).toEqual(['BatchUpdateFindingsV2', 'BatchUpdateFindings']);
    expect(written).toEqual({
      noted: 1,
      refused: [
        { id: 'o-2', finding: ocsf('o-2'), code: 'ConflictException', message: 'busy' },
        { id: 'a-1', finding: asff('a-1'), code: 'FindingNotFound', message: 'Finding Not Found' },
      ],
      failed: [],
    });
    expect(TRANSIENT_REFUSALS.has('ConflictException')).toBe(true);
    expect(GONE_REFUSALS.has('FindingNotFound')).toBe(true);
    expect(GONE_REFUSALS.has('ResourceNotFoundException')).toBe(true);
  });

  it('Given the V2 call failing as a whole (access denied), When the note is written, Then the ASFF findings still get theirs and the failure names the OCSF findings', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const { client, sent } = fakeSecurityHub((command) => {
      if (command instanceof BatchUpdateFindingsV2Command) throw denied;
      return { ProcessedFindings: [asff('a-1')], UnprocessedFindings: [] };
    });

    const written = await writeFindingNotes(client, [asff('a-1'), ocsf('o-1')], { text: 'x' });

    expect(sent.map((call) => call.name)).toEqual(['BatchUpdateFindingsV2', 'BatchUpdateFindings']);
    expect(written).toEqual({
      noted: 1,
      refused: [],
      failed: [{ api: 'BatchUpdateFindingsV2', findings: [ocsf('o-1')], error: denied }],
    });
  });

  it('Given a refusal that does not name its finding, When the note is written, Then it is reported as unknown, with nothing to try again', async () => {
    const { client } = fakeSecurityHub(() => ({
      UnprocessedFindings: [{ MetadataUid: 'm-1', ErrorCode: 'InternalServerException' }],
    }));

    const written = await writeFindingNotes(client, [ocsf('o-1')], { text: 'x' });

    expect(written.refused).toEqual([{ id: 'unknown', code: 'InternalServerException', message: '' }]);
    expect(written.noted).toBe(0);
  });
});
