/**
 * The lifecycle scripts that keep a notebook's volume across a recreate, as the stack deploys them:
 * each one assembled from the common part and its own part, the bucket name baked in, base64-encoded for
 * `AWS::SageMaker::NotebookInstanceLifecycleConfig`. What the scripts do, and how the workflow drives
 * them, is in lifecycle/README.md.
 */
import { readFileSync } from 'node:fs';
import { Fn, Token } from 'aws-cdk-lib';
import { bucketNameProblem } from '../handlers/shared/notebook-backup-layout.js';

/** What the .sh files carry where the bucket name goes. */
export const BUCKET_PLACEHOLDER = '__BACKUP_BUCKET__';

/** The part both scripts begin with (settings, logging, S3, discovery, request, volume walk, statuses, exit). */
export const COMMON_PART_FILE = 'common.sh';

/** The own part of each script, in lifecycle/: what follows the common part. */
export type LifecycleScriptFile = 'backup-on-start.sh' | 'restore-on-create.sh';

/** `Content` of one OnStart/OnCreate script: base64, at most this many characters. */
export const MAX_LIFECYCLE_CONTENT_LENGTH = 16_384;

/** A CDK string token, e.g. `${Token[TOKEN.123]}`: its value is only known at deploy time. */
const STRING_TOKEN = /\$\{Token\[[^\]]+\]\}/g;

/** The longest bucket name: a token is measured as this, so a script that fits here fits once deployed. */
const LONGEST_BUCKET_NAME = 'x'.repeat(63);

/** The OnStart script of the backup lifecycle configuration, for `bucketName` (a name or a CDK token). */
export function backupOnStartScript(bucketName: string): string {
  return withBucket(assembleScript('backup-on-start.sh'), bucketName);
}

/** The OnCreate script of the restore lifecycle configuration, for `bucketName` (a name or a CDK token). */
export function restoreOnCreateScript(bucketName: string): string {
  return withBucket(assembleScript('restore-on-create.sh'), bucketName);
}

/**
 * One self-contained script, as a lifecycle configuration needs it: `#!/bin/bash`, the common part, then
 * the script's own part (`file`). The bucket placeholder is still in place, so the script only runs with
 * `BACKUP_BUCKET` set (the tests run it so); the stack deploys it through the functions above.
 */
export function assembleScript(file: LifecycleScriptFile): string {
  return ['#!/bin/bash\n', deployedPart(COMMON_PART_FILE), '\n', deployedPart(file)].join('');
}

/** One part as it is deployed: read from lifecycle/, without its comment lines. */
export function deployedPart(file: string): string {
  return withoutCommentLines(readPart(file));
}

/**
 * A part without its whole-line comments (bash and the embedded Python alike), except its first line, which
 * names it: the comments explain the source, and the deployed script must fit the Content limit.
 */
function withoutCommentLines(part: string): string {
  const [first = '', ...rest] = part.split('\n');
  return [first, ...rest.filter((line) => !/^\s*#/.test(line))].join('\n');
}

/**
 * The script as `NotebookInstanceLifecycleConfig` `Content` wants it: base64. A script holding a token
 * (a bucket the same stack creates) becomes `Fn::Base64`, since encoding the token's placeholder text
 * here would bake that text, not the bucket name, into the notebook. Throws if the content would exceed
 * the 16384-character limit, which CloudFormation would only report at deploy time.
 */
export function toLifecycleContent(script: string): string {
  const length = base64(script.replace(STRING_TOKEN, LONGEST_BUCKET_NAME)).length;
  if (length > MAX_LIFECYCLE_CONTENT_LENGTH) {
    throw new Error(
      `lifecycle script is ${length} characters in base64, over the ${MAX_LIFECYCLE_CONTENT_LENGTH}-character limit of NotebookInstanceLifecycleConfig Content`,
    );
  }
  return Token.isUnresolved(script) ? Fn.base64(script) : base64(script);
}

function withBucket(script: string, bucketName: string): string {
  // A token is checked when CloudFormation creates the bucket; here it must pass through untouched.
  if (!Token.isUnresolved(bucketName)) {
    const problem = bucketNameProblem(bucketName);
    if (problem) throw new Error(`invalid backup bucket name ${JSON.stringify(bucketName)}: ${problem}`);
  }
  if (!script.includes(BUCKET_PLACEHOLDER)) throw new Error(`lifecycle script lacks ${BUCKET_PLACEHOLDER}`);
  return script.replaceAll(BUCKET_PLACEHOLDER, bucketName);
}

function readPart(file: string): string {
  const part = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
  // The loader writes the one shebang; a part with its own would look runnable alone, which it is not.
  if (part.startsWith('#!')) throw new Error(`lifecycle/${file} must not start with a shebang`);
  if (!part.endsWith('\n')) throw new Error(`lifecycle/${file} must end with a newline`);
  return part;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
