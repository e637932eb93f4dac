/**
 * The Lambda handlers and how they are bundled, in one place shared by the stack (NodejsFunction) and
 * the benchmark (a direct esbuild call), so that what is measured is what is deployed.
 *
 * No CDK imports: the benchmark bundles with esbuild alone.
 */
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** Node.js major version of the Lambda runtime; the stack picks the matching `nodejs<major>.x` runtime. */
export const LAMBDA_NODE_MAJOR_VERSION = 24;

export interface LambdaHandlerSource {
  /** Short name, used for construct ids and bundle directories. */
  readonly name:
    | 'plan-remediation'
    | 'report-failure'
    | 'snapshot-notebook'
    | 'verify-recreation'
    | 'verify-resource'
    | 'snapshot-resource'
    | 'change-resource'
    | 'member-api-call'
    | 'custom-action'
    | 'sweep-stale-records'
    | 'plan-cleanup'
    | 'record-outcome'
    | 'start-remediation';
  /** Absolute path of the TypeScript entry point. */
  readonly entry: string;
  /** Exported function Lambda calls. */
  readonly handler: string;
  /**
   * The function's timeout. A Task that invokes it must wait longer (see lambdaTaskTimeoutSeconds),
   * or Step Functions would give up while the function still runs and writes.
   */
  readonly timeoutSeconds: number;
}

/** How much longer than its function a `lambda:invoke` Task waits: the invocation's own overhead. */
export const LAMBDA_TASK_TIMEOUT_MARGIN_SECONDS = 30;

const handlerPath = (file: string): string => fileURLToPath(new URL(`../handlers/${file}`, import.meta.url));

export const LAMBDA_HANDLERS: readonly LambdaHandlerSource[] = [
  {
    name: 'plan-remediation',
    entry: handlerPath('plan-remediation.ts'),
    handler: 'handler',
    timeoutSeconds: 60,
  },
  { name: 'report-failure', entry: handlerPath('report-failure.ts'), handler: 'handler', timeoutSeconds: 10 },
  {
    name: 'snapshot-notebook',
    entry: handlerPath('snapshot-notebook.ts'),
    handler: 'handler',
    timeoutSeconds: 120,
  },
  // Streams two manifests of up to hundreds of thousands of entries each.
  {
    name: 'verify-recreation',
    entry: handlerPath('verify-recreation.ts'),
    handler: 'handler',
    timeoutSeconds: 300,
  },
  // One Describe (and ListTags) of the fixed resource.
  {
    name: 'verify-resource',
    entry: handlerPath('verify-resource.ts'),
    handler: 'handler',
    timeoutSeconds: 30,
  },
  // Takes a lock, one Describe and ListTags, one small object written and read back.
  {
    name: 'snapshot-resource',
    entry: handlerPath('snapshot-resource.ts'),
    handler: 'handler',
    timeoutSeconds: 60,
  },
  // Reads the snapshot, makes one SageMaker call.
  {
    name: 'change-resource',
    entry: handlerPath('change-resource.ts'),
    handler: 'handler',
    timeoutSeconds: 60,
  },
  // One SageMaker, EC2 or KMS call in a member account, after the member role is assumed.
  {
    name: 'member-api-call',
    entry: handlerPath('member-api-call.ts'),
    handler: 'handler',
    timeoutSeconds: 60,
  },
  { name: 'custom-action', entry: handlerPath('custom-action.ts'), handler: 'handler', timeoutSeconds: 60 },
  // Scans two small tables and asks Step Functions about each holder.
  {
    name: 'sweep-stale-records',
    entry: handlerPath('sweep-stale-records.ts'),
    handler: 'handler',
    timeoutSeconds: 120,
  },
  // Pages through an ended execution's history, newest first.
  { name: 'plan-cleanup', entry: handlerPath('plan-cleanup.ts'), handler: 'handler', timeoutSeconds: 60 },
  // Counts the alerts of one SNS notification; one DescribeExecution for a RESOLVED one.
  { name: 'record-outcome', entry: handlerPath('record-outcome.ts'), handler: 'handler', timeoutSeconds: 30 },
  // Up to 10 messages: one slot read and write per account and Region, a DescribeExecution per slot
  // holder when full, one StartExecution per message. The queue's visibility timeout is 6 times this.
  {
    name: 'start-remediation',
    entry: handlerPath('start-remediation.ts'),
    handler: 'handler',
    timeoutSeconds: 30,
  },
];

export function lambdaHandler(name: LambdaHandlerSource['name']): LambdaHandlerSource {
  const found = LAMBDA_HANDLERS.find((source) => source.name === name);
  if (!found) throw new Error(`No Lambda handler named ${name}`);
  return found;
}

/** TimeoutSeconds of a Task invoking the function: longer than the function may run. */
export function lambdaTaskTimeoutSeconds(name: LambdaHandlerSource['name']): number {
  return lambdaHandler(name).timeoutSeconds + LAMBDA_TASK_TIMEOUT_MARGIN_SECONDS;
}

/**
 * What the bundles leave to the AWS SDK that the Lambda runtime carries (nodejs24.x ships SDK v3 in
 * /var/runtime/node_modules, on NODE_PATH): only code that a cold start never runs.
 * - The credential sources other than the environment variables: Lambda gives a function its role's
 *   credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the first source of
 *   the SDK's default chain, so the chain never loads the others (about 110 KB of every bundle).
 * - The EC2 client, which member-api-call loads on its first EC2 call (two Describe calls of the
 *   recreation's network check): its schemas cannot be tree-shaken (560 KB of every operation), and
 *   compiling them doubled that function's cold start although most of its calls are SageMaker's.
 * Everything else, what every invocation runs, is bundled at the version the tests ran against.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@smithy/credential-provider-imds',
  '@aws-sdk/client-ec2',
];

/**
 * Bundling options in the vocabulary of NodejsFunction's `bundling` prop (the stack passes them through;
 * `format` is the string value of OutputFormat). What they cost at a cold start, measured, is in
 * docs/performance.md ("Cold start: what is bundled and why").
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  // Error classes keep their names after minification: Step Functions Catchers match on them.
  keepNames: true,
  // Source maps of a bundle that includes the SDK are large and slow the cold start for little gain.
  sourceMap: false,
  target: `node${LAMBDA_NODE_MAJOR_VERSION}`,
  // CommonJS: the bundled SDK's CommonJS dependencies call require(), which an ESM bundle cannot do.
  format: 'cjs',
  // The SDK's ES module builds (`module`), which esbuild tree-shakes to the commands a handler imports;
  // the CommonJS builds (`main`) are one file per client holding every command and schema, and made the
  // bundles twice as large and their cold start two to three times as long.
  mainFields: ['module', 'main'] as string[],
  // Ship the SDK version the tests ran against instead of whichever one the runtime carries...
  bundleAwsSDK: true,
  // ...except what a cold start never runs (RUNTIME_PROVIDED_MODULES).
  externalModules: [...RUNTIME_PROVIDED_MODULES] as string[],
  // A lazy import() of a module left to the runtime is emitted as require(), which finds the runtime's
  // SDK through NODE_PATH by Node's own rules; import() looks there only with Lambda's patched resolver,
  // so nothing outside Lambda could check it.
  esbuildArgs: { '--supported:dynamic-import': 'false' },
  // esbuild's warnings and errors only: without it, NodejsFunction lets esbuild print a size summary
  // of every bundle on stderr.
  logLevel: 'warning',
} as const;

/** The file name NodejsFunction gives the bundle (Lambda looks for `index.<handler>`). */
export const BUNDLE_FILE_NAME = 'index.js';

/** esbuild options equal to the command NodejsFunction runs locally for LAMBDA_BUNDLING, entries aside. */
const ESBUILD_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  platform: 'node',
  target: LAMBDA_BUNDLING.target,
  format: LAMBDA_BUNDLING.format,
  minify: LAMBDA_BUNDLING.minify,
  keepNames: LAMBDA_BUNDLING.keepNames,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  logLevel: LAMBDA_BUNDLING.logLevel,
  mainFields: LAMBDA_BUNDLING.mainFields,
  external: LAMBDA_BUNDLING.externalModules,
  // esbuildArgs' --supported:dynamic-import=false
  supported: { 'dynamic-import': false },
};

/** esbuild options that build one handler's bundle into `outfile`, as NodejsFunction does. */
export function toEsbuildOptions(source: LambdaHandlerSource, outfile: string): BuildOptions {
  return { ...ESBUILD_OPTIONS, entryPoints: [source.entry], outfile };
}

/**
 * esbuild options that build every handler of `sources` in one call, each into
 * `<directory>/<name>/index.js`. Without code splitting each output is what NodejsFunction writes for
 * that handler alone, and the modules the handlers share (the SDK's) are parsed once instead of once per
 * handler.
 */
export function toEsbuildBatchOptions(
  sources: readonly LambdaHandlerSource[],
  directory: string,
): BuildOptions {
  const entryName = BUNDLE_FILE_NAME.replace(/\.js$/, '');
  return {
    ...ESBUILD_OPTIONS,
    entryPoints: Object.fromEntries(sources.map((source) => [`${source.name}/${entryName}`, source.entry])),
    outdir: directory,
  };
}
