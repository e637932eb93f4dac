/**
 * `npx tsx bin/approvals.ts <approve|reject|list-pending> ...` (`npm run approvals -- ...`): approves or
 * rejects a remediation plan waiting for approval from a terminal, through the same approval record and
 * task token as the Security Hub custom actions, recording who decided; or lists the waiting plans. The
 * approval alert gives the exact command. See docs/custom-actions.md; the logic is in approvals/, which
 * the tests run against the simulated account.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseApprovalsArguments } from './approvals/arguments.js';
import { createApprovalsCommand } from './approvals/command.js';

const args = process.argv.slice(2);
const parsed = parseApprovalsArguments(args);
// The clients need the region and profile before the command runs; a usage error is reported by the command itself.
const options = parsed.kind === 'options' ? parsed.options : undefined;
// The SDK's own retries (with backoff) cover throttling and transient errors of each call.
const clientOptions = {
  maxAttempts: 5,
  ...(options ? { region: options.region } : {}),
  ...(options?.profile ? { profile: options.profile } : {}),
};
const sts = new STSClient(clientOptions);

const command = createApprovalsCommand({
  dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions)),
  sfn: new SFNClient(clientOptions),
  identity: async () => {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('GetCallerIdentity returned no ARN');
    return Arn;
  },
  now: () => new Date(),
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
});

process.exitCode = await command.run(args);
