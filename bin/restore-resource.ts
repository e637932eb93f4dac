/**
 * `npx tsx bin/restore-resource.ts --snapshot s3://<bucket>/resources/<type>/<name>/<snapshot id>/snapshot.json`:
 * puts a resource other than a notebook back as it was before the workflow's approved change (the
 * alerts and finding notes give this exact command). See docs/restore.md; the logic is in
 * restore-resource/, which the tests run against the simulated account.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
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

const command = createResourceRestoreCommand({
  sagemaker,
  s3,
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  region: () => sagemaker.config.region(),
  // Credentials from SSO, a profile's role or AWS_ACCOUNT_ID carry their account; others do not.
  account: async () => (await sagemaker.config.credentials()).accountId,
});

process.exitCode = await command.run(args);
