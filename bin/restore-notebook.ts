/**
 * `npx tsx bin/restore-notebook.ts --snapshot s3://<bucket>/<snapshot prefix> [--wait] [options]`: brings
 * back a notebook instance the remediation workflow deleted and could not recreate (the finding note and
 * the ACTION NEEDED alert give this exact command; with `--account`, `--region` and `--role-arn` for a
 * notebook of another account). See docs/restore.md; the logic is in restore-notebook/, which the tests
 * run against the simulated account.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { sessionCredentials } from '../handlers/shared/member-clients.js';
import { parseRestoreArguments } from './restore-notebook/arguments.js';
import { createRestoreCommand } from './restore-notebook/command.js';

const args = process.argv.slice(2);
const parsed = parseRestoreArguments(args);
// The clients need the region before the command runs; a usage error is reported by the command itself.
const region = parsed.kind === 'options' ? parsed.options.region : undefined;
// The SDK's own retries (with backoff) cover throttling and transient errors of each call.
const clientOptions = { maxAttempts: 5, ...(region ? { region } : {}) };
const sagemaker = new SageMakerClient(clientOptions);
const s3 = new S3Client(clientOptions);
// IAM is global; its endpoint resolves from any region.
const iam = new IAMClient(clientOptions);
const sts = new STSClient(clientOptions);

const command = createRestoreCommand({
  sagemaker,
  s3,
  iam,
  roleSessions: {
    sts,
    assumeRoleCommand: AssumeRoleCommand,
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
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  region: () => sagemaker.config.region(),
  // GetCallerIdentity needs no permission: the account of the operator's own credentials.
  account: async () => (await sts.send(new GetCallerIdentityCommand({}))).Account,
});

process.exitCode = await command.run(args);
