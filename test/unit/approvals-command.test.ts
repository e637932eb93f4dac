/**
 * The approvals command's failures that the simulated account does not stage: who ran it cannot be
 * told, the decision is recorded but the execution cannot be told, and a click wins the race. Mocked
 * clients; the workflow test (test/workflow/approval-cli.test.ts) runs the happy paths for real.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED } from '../../bin/approvals/arguments.js';
import { createApprovalsCommand } from '../../bin/approvals/command.js';

const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const NOW = new Date('2026-11-23T12:00:00.000Z');
const WHO = 'arn:aws:sts::111122223333:assumed-role/SecurityApprover/alice';
const RESOURCE = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const ARGS = ['approve', '--resource', RESOURCE, '--table', 'approvals', '--region', 'eu-west-1'];
const PENDING = {
  approvalKey: RESOURCE,
  status: 'PENDING',
  taskToken: 'token',
  executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:sm:plan',
  approvalDeadline: NOW.getTime() / 1000 + 3600,
  findings: [{ Id: 'finding-1', ProductArn: 'product' }],
};

function run(identity: () => Promise<string> = async () => WHO) {
  const out: string[] = [];
  const err: string[] = [];
  const command = createApprovalsCommand({
    dynamodb: dynamodb as unknown as DynamoDBDocumentClient,
    sfn: sfn as unknown as SFNClient,
    identity,
    now: () => NOW,
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
  });
  return command.run(ARGS).then((exitCode) => ({ exitCode, out: out.join('\n'), err: err.join('\n') }));
}

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
});

describe('approvals command failures', () => {
  it('Given credentials STS cannot identify, When approve runs, Then nothing is read or changed, since a decision must record who made it', async () => {
    const result = await run(async () => {
      throw Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredToken',
      });
    });

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toMatch(
      /^error: cannot tell who is running this \(STS GetCallerIdentity failed: ExpiredToken/,
    );
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('Given the decision recorded but Step Functions unavailable, When approve runs, Then it says the execution was not told and to run the same command again', async () => {
    dynamodb.on(GetCommand).resolves({ Item: PENDING });
    dynamodb.on(UpdateCommand).resolves({});
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('try later'), { name: 'ServiceUnavailable' }));

    const result = await run();

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain('the plan is recorded APPROVED by you, but the waiting execution');
    expect(result.err).toContain('Run the same command again: it sends the decision again.');
    expect(dynamodb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':approved': 'APPROVED',
      ':eventId': WHO,
    });
  });

  it('Given a click that decides first, When the conditional update fails, Then the command says what the record holds now and sends nothing', async () => {
    dynamodb
      .on(GetCommand)
      .resolvesOnce({ Item: PENDING })
      .resolves({
        Item: { ...PENDING, status: 'APPROVED', decidedAt: '2026-11-23T11:59:59.000Z', decidedBy: 'click-1' },
      });
    dynamodb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    const result = await run();

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toMatch(
      /^error: Nothing to approve: .* was already approved at 2026-11-23T11:59:59.000Z\. Nothing was changed\.$/,
    );
    expect(sfn.calls()).toHaveLength(0);
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(0);
  });
});
