/**
 * `npx tsx bin/preview.ts --region <region> [--profile <name>] [--config <cdk.json>] [--json]`
 * (`npm run preview -- ...`): the dry run before deploying. It lists the SageMaker resources of an
 * account and Region that fail a control, and what the deployment would do to each under the current
 * configuration, calling only List, Describe and Get APIs. See docs/preview.md; the logic is in
 * preview/, which the tests run against the simulated account.
 */
import { createPreviewClients } from './preview/account-reader.js';
import { createPreviewCommand } from './preview/command.js';

const command = createPreviewCommand({
  // Called only once the options are parsed: --help and bad arguments make no SDK client.
  clients: (options) => createPreviewClients(options),
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
});

process.exitCode = await command.run(process.argv.slice(2));
