/**
 * `npx tsx bin/restore-notebook.ts --bucket <bucket> --snapshot <snapshot prefix> [options]`: brings back
 * a notebook instance the remediation workflow deleted and could not recreate (the finding note and the
 * ACTION NEEDED alert give this exact command). See docs/restore.md; the logic is in
 * restore-notebook-command.ts, which the tests run against the simulated account.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createRestoreCommand, parseRestoreArguments } from './restore-notebook-command.js';

const args = process.argv.slice(2);
const parsed = parseRestoreArguments(args);
// The clients need the region before the command runs; a usage error is reported by the command itself.
const region = parsed.kind === 'options' ? parsed.options.region : undefined;
// The SDK's own retries (with backoff) cover throttling and transient errors of each call.
const clientOptions = { maxAttempts: 5, ...(region ? { region } : {}) };
const sagemaker = new SageMakerClient(clientOptions);
const s3 = new S3Client(clientOptions);

const command = createRestoreCommand({
  sagemaker,
  s3,
  sleep: async (ms) => {
    await delay(ms);
  },
  now: () => new Date(),
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  region: () => sagemaker.config.region(),
});

process.exitCode = await command.run(args);
