/**
 * `npx tsx bin/approvals.ts <approve|reject|list-pending> ...` (`npm run approvals -- ...`): approves or
 * rejects a remediation plan waiting for approval from a terminal, through the same approval record and
 * task token as the Security Hub custom actions, recording who decided; or lists the waiting plans. The
 * approval alert gives the exact command. See docs/custom-actions.md; the logic is in approvals/, which
 * the tests run against the simulated account.
 */
import {
  type ApprovalsOptions,
  parseApprovalsArguments,
  printHelpOrUsageError,
} from './approvals/arguments.js';

const args = process.argv.slice(2);
const parsed = parseApprovalsArguments(args);
const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);

// --help and argument errors (a missing --region among them) load nothing of the AWS SDK, whose
// clients warn on Node.js before 22.
process.exitCode =
  parsed.kind === 'options'
    ? await run(parsed.options)
    : printHelpOrUsageError(parsed, { print, printError });

async function run(options: ApprovalsOptions): Promise<number> {
  const [{ DynamoDBClient }, { SFNClient }, sts, { DynamoDBDocumentClient }, setup, approvals] =
    await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/client-sfn'),
      import('@aws-sdk/client-sts'),
      import('@aws-sdk/lib-dynamodb'),
      import('./restore-notebook/sdk-setup.js'),
      import('./approvals/command.js'),
    ]);
  // The SDK's own retries (with backoff) cover throttling and transient errors of each call.
  const clientOptions = {
    maxAttempts: 5,
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const stsClient = setup.builtOnFirstCall(() => new sts.STSClient(clientOptions));
  const command = approvals.createApprovalsCommand({
    dynamodb: setup.builtOnFirstCall(() => DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions))),
    sfn: setup.builtOnFirstCall(() => new SFNClient(clientOptions)),
    identity: async () => {
      const { Arn } = await stsClient.send(new sts.GetCallerIdentityCommand({}));
      if (!Arn) throw new Error('GetCallerIdentity returned no ARN');
      return Arn;
    },
    now: () => new Date(),
    print,
    printError,
  });
  return command.run(args);
}
