/**
 * `npx tsx bin/restore-notebook.ts --snapshot s3://<bucket>/<snapshot prefix> [--wait] [options]`: brings
 * back a notebook instance the remediation workflow deleted and could not recreate (the finding note and
 * the ACTION NEEDED alert give this exact command; with `--account`, `--region` and `--role-arn` for a
 * notebook of another account). See docs/restore.md; the logic is in restore-notebook/, which the tests
 * run against the simulated account.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseRestoreArguments, printHelpOrUsageError, USAGE } from './restore-notebook/arguments.js';

const args = process.argv.slice(2);
const parsed = parseRestoreArguments(args);
const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);

// --help and argument errors load nothing of the AWS SDK (whose clients warn on Node.js before 22).
process.exitCode =
  parsed.kind === 'options'
    ? await run(parsed.options.region)
    : printHelpOrUsageError(parsed, USAGE, { print, printError });

async function run(regionOption: string | undefined): Promise<number> {
  const [{ IAMClient }, { S3Client }, { SageMakerClient }, sts, { sessionCredentials }, setup, restore] =
    await Promise.all([
      import('@aws-sdk/client-iam'),
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/client-sagemaker'),
      import('@aws-sdk/client-sts'),
      import('../handlers/shared/member-clients.js'),
      import('./restore-notebook/sdk-setup.js'),
      import('./restore-notebook/command.js'),
    ]);
  // Without one, the command refuses before any call, naming --region.
  const region = regionOption ?? (await setup.configuredRegion());
  // The SDK's own retries (with backoff) cover throttling and transient errors of each call.
  const clientOptions = { maxAttempts: 5, region };
  const stsClient = setup.builtOnFirstCall(() => new sts.STSClient(clientOptions));
  const command = restore.createRestoreCommand({
    sagemaker: setup.builtOnFirstCall(() => new SageMakerClient(clientOptions)),
    s3: setup.builtOnFirstCall(() => new S3Client(clientOptions)),
    // IAM is global; its endpoint resolves from any region.
    iam: setup.builtOnFirstCall(() => new IAMClient(clientOptions)),
    roleSessions: {
      sts: stsClient,
      assumeRoleCommand: sts.AssumeRoleCommand,
      createClients: (notebookRegion, credentials) => {
        const session = {
          maxAttempts: 5,
          region: notebookRegion,
          credentials: sessionCredentials(credentials),
        };
        // The snapshot is in the notebook's account's data bucket: read (and its request written) as the role.
        return {
          sagemaker: new SageMakerClient(session),
          iam: new IAMClient(session),
          s3: new S3Client(session),
        };
      },
    },
    sleep: async (ms) => {
      await delay(ms);
    },
    now: () => new Date(),
    print,
    printError,
    region: async () => region,
    // GetCallerIdentity needs no permission: the account of the operator's own credentials.
    account: async () => (await stsClient.send(new sts.GetCallerIdentityCommand({}))).Account,
  });
  return command.run(args);
}
