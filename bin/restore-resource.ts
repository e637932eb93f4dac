/**
 * `npx tsx bin/restore-resource.ts --snapshot s3://<bucket>/resources/<account>/<region>/<type>/<name>/<snapshot id>/snapshot.json`
 * `[--account <id> --region <region> --role-arn <arn>]`: puts a resource other than a notebook back as
 * it was before the workflow's approved change (the alerts and finding notes give this exact command).
 * See docs/restore.md; the logic is in restore-resource/, which the tests run against the simulated
 * account.
 */
import { parseResourceRestoreArguments, printHelpOrUsageError, USAGE } from './restore-resource/arguments.js';

const args = process.argv.slice(2);
const parsed = parseResourceRestoreArguments(args);
const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);

// --help and argument errors load nothing of the AWS SDK (whose clients warn on Node.js before 22).
process.exitCode =
  parsed.kind === 'options'
    ? await run(parsed.options.region)
    : printHelpOrUsageError(parsed, USAGE, { print, printError });

async function run(regionOption: string | undefined): Promise<number> {
  const [{ S3Client }, { SageMakerClient }, sts, { sessionCredentials }, setup, restore] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sagemaker'),
    import('@aws-sdk/client-sts'),
    import('../handlers/shared/member-clients.js'),
    import('./restore-notebook/sdk-setup.js'),
    import('./restore-resource/command.js'),
  ]);
  // Without one, the command refuses before any call, naming --region.
  const region = regionOption ?? (await setup.configuredRegion());
  // The SDK's own retries (with backoff) cover throttling and transient errors of each call.
  const clientOptions = { maxAttempts: 5, region };
  const stsClient = setup.builtOnFirstCall(() => new sts.STSClient(clientOptions));
  const command = restore.createResourceRestoreCommand({
    sagemaker: setup.builtOnFirstCall(() => new SageMakerClient(clientOptions)),
    s3: setup.builtOnFirstCall(() => new S3Client(clientOptions)),
    roleSessions: {
      sts: stsClient,
      assumeRoleCommand: sts.AssumeRoleCommand,
      createClients: (resourceRegion, credentials) => ({
        sagemaker: new SageMakerClient({
          maxAttempts: 5,
          region: resourceRegion,
          credentials: sessionCredentials(credentials),
        }),
      }),
    },
    print,
    printError,
    region: async () => region,
    // GetCallerIdentity needs no permission: the account of the operator's own credentials.
    account: async () => (await stsClient.send(new sts.GetCallerIdentityCommand({}))).Account,
  });
  return command.run(args);
}
