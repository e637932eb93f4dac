/**
 * `npx tsx bin/restore-resource.ts --snapshot s3://<bucket>/resources/<account>/<region>/<type>/<name>/<snapshot id>/snapshot.json`
 * `[--account <id> --region <region> --role-arn <arn>]`: puts a resource other than a notebook back as
 * it was before the workflow's approved change (the alerts and finding notes give this exact command).
 * See docs/restore.md; the logic is in restore-resource/, which the tests run against the simulated
 * account.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { sessionCredentials } from '../handlers/shared/member-clients.js';
import { parseResourceRestoreArguments } from './restore-resource/arguments.js';
import { createResourceRestoreCommand } from './restore-resource/command.js';

const args = process.argv.slice(2);
const parsed = parseResourceRestoreArguments(args);
// The clients need the region before the command runs; a usage error is reported by the command itself.
const region = parsed.kind === 'options' ? parsed.options.region : undefined;
// The SDK's own retries (with backoff) cover throttling and transient errors of each call.
const clientOptions = { maxAttempts: 5, ...(region ? { region } : {}) };
const sagemaker = new SageMakerClient(clientOptions);
const s3 = new S3Client(clientOptions);
const sts = new STSClient(clientOptions);

const command = createResourceRestoreCommand({
  sagemaker,
  s3,
  roleSessions: {
    sts,
    assumeRoleCommand: AssumeRoleCommand,
    createClients: (resourceRegion, credentials) => ({
      sagemaker: new SageMakerClient({
        maxAttempts: 5,
        region: resourceRegion,
        credentials: sessionCredentials(credentials),
      }),
    }),
  },
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  region: () => sagemaker.config.region(),
  // GetCallerIdentity needs no permission: the account of the operator's own credentials.
  account: async () => (await sts.send(new GetCallerIdentityCommand({}))).Account,
});

process.exitCode = await command.run(args);
