/**
 * The Lambda bundles as the stack builds them (toEsbuildOptions; toEsbuildBatchOptions builds them all
 * in one call, which remediation-stack.test.ts holds byte for byte to NodejsFunction's): the SDK's ES
 * module builds, minified, and only what a cold start never runs left to the Lambda runtime's SDK. What
 * each choice buys is measured by `npm run bench` (docs/performance.md, "Cold start: what is bundled
 * and why").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../simulation/deploy/build-cache.js';
import {
  BUNDLE_FILE_NAME,
  LAMBDA_BUNDLING,
  lambdaHandler,
  toEsbuildOptions,
} from '../../stacks/lambda-bundling.js';

/** A fresh Node.js process running `script` in a folder no package can be found from. */
function runNode(script: string, directory: string, nodePath?: string): string {
  return execFileSync(process.execPath, ['-e', script], {
    cwd: directory,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Where Lambda's Node.js runtime keeps its SDK is on NODE_PATH; node_modules stands for it here.
      ...(nodePath ? { NODE_PATH: nodePath } : {}),
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The first EC2 call of member-api-call, answered by a local EC2 endpoint: prints the result, or the
 * error the call failed with.
 */
const firstEc2Call = (bundle: string) => `
const http = require('node:http');
const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    if (!body.includes('Action=DescribeSubnets') || !body.includes('SubnetId.1=subnet-1')) response.statusCode = 400;
    response.setHeader('content-type', 'text/xml');
    response.end('<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId></item></subnetSet></DescribeSubnetsResponse>');
  });
});
server.listen(0, '127.0.0.1', async () => {
  Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:' + server.address().port });
  const bundle = require(${JSON.stringify(bundle)});
  const credentials = { AccessKeyId: 'AKIDEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600000) };
  const call = bundle.createMemberApiCallHandler({
    members: { clientsFor: async () => bundle.memberApiClients('eu-west-1', credentials) },
    logger: { info() {}, warn() {}, error() {} },
  });
  try {
    const result = await call({ service: 'ec2', action: 'describeSubnets', request: { SubnetIds: ['subnet-1'] }, target: { accountId: '111122223333', region: 'eu-west-1' }, executionName: 'exec-1' });
    process.stdout.write(JSON.stringify(result));
  } catch (error) {
    process.stdout.write(error.name + ': ' + error.message.split('\\n')[0]);
  } finally {
    server.close();
  }
});`;

/**
 * Three calls of member-api-call through the clients bundled from the SDK's ES module builds, answered by
 * a local endpoint: a SageMaker describe (JSON), an S3 read (REST XML, streamed body) and a SageMaker
 * call refused with a ValidationException. Prints what each returned or failed with.
 */
const bundledCalls = (bundle: string) => `
const http = require('node:http');
const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const target = request.headers['x-amz-target'];
    if (target === 'SageMaker.DescribeNotebookInstance') {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(JSON.stringify({ NotebookInstanceName: JSON.parse(body).NotebookInstanceName, NotebookInstanceStatus: 'InService' }));
    } else if (target === 'SageMaker.StopNotebookInstance') {
      response.statusCode = 400;
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(JSON.stringify({ __type: 'ValidationException', message: 'Status (Stopped) not in ([InService])' }));
    } else if (request.method === 'GET' && request.url.startsWith('/bucket-1/notes.txt')) {
      response.setHeader('content-type', 'text/plain');
      response.end('kept');
    } else {
      response.statusCode = 500;
      response.end();
    }
  });
});
server.listen(0, '127.0.0.1', async () => {
  const endpoint = 'http://127.0.0.1:' + server.address().port;
  Object.assign(process.env, { AWS_ENDPOINT_URL_SAGEMAKER: endpoint, AWS_ENDPOINT_URL_S3: endpoint });
  const bundle = require(${JSON.stringify(bundle)});
  const credentials = { AccessKeyId: 'AKIDEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600000) };
  const call = bundle.createMemberApiCallHandler({
    members: { clientsFor: async () => bundle.memberApiClients('eu-west-1', credentials) },
    logger: { info() {}, warn() {}, error() {} },
  });
  const where = { target: { accountId: '111122223333', region: 'eu-west-1' }, executionName: 'exec-1' };
  const outcomes = [];
  for (const request of [
    { service: 'sagemaker', action: 'describeNotebookInstance', request: { NotebookInstanceName: 'research' } },
    { service: 's3', action: 'getObject', request: { Bucket: 'bucket-1', Key: 'notes.txt' } },
    { service: 'sagemaker', action: 'stopNotebookInstance', request: { NotebookInstanceName: 'research' } },
  ]) {
    try {
      outcomes.push(await call({ ...request, ...where }));
    } catch (error) {
      outcomes.push({ name: error.name, message: error.message });
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
  server.close();
});`;

describe('Lambda bundling', () => {
  let directory: string;
  let bundle: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'lambda-bundling-'));
    bundle = join(directory, BUNDLE_FILE_NAME);
    await build(toEsbuildOptions(lambdaHandler('member-api-call'), bundle));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('Given the stack bundling options, When a handler is bundled, Then the SDK comes from its ES module builds, minified, and only the credential sources Lambda never uses and the EC2 client are left out', () => {
    // When
    const options = toEsbuildOptions(lambdaHandler('plan-remediation'), bundle);

    // Then the SDK is bundled from its tree-shakeable builds, minified, Error names kept
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      minify: true,
      keepNames: true,
      sourcemap: false,
      mainFields: ['module', 'main'],
      supported: { 'dynamic-import': false },
    });
    // And exactly these are left to the runtime's SDK, in both vocabularies
    expect(options.external).toEqual([
      '@aws-sdk/credential-provider-http',
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
      '@smithy/credential-provider-imds',
      '@aws-sdk/client-ec2',
    ]);
    expect(LAMBDA_BUNDLING).toMatchObject({
      bundleAwsSDK: true,
      mainFields: ['module', 'main'],
      externalModules: options.external,
      esbuildArgs: { '--supported:dynamic-import': 'false' },
    });
  });

  it('Given the member-api-call bundle, When it is loaded where no package can be found, Then it loads: a cold start needs nothing left to the runtime', () => {
    // When
    const exported = runNode(
      `process.stdout.write(Object.keys(require(${JSON.stringify(bundle)})).sort().join(','))`,
      directory,
    );

    // Then
    expect(exported).toBe('MEMBER_API_CALL_MAX_ATTEMPTS,createMemberApiCallHandler,handler,memberApiClients');
    // And the EC2 client is not in it, only required on first use
    const text = readFileSync(bundle, 'utf8');
    expect(text.match(/require\("@aws-sdk\/client-ec2"\)/g)).toHaveLength(1);
    expect(text).not.toContain('DescribeSubnetsRequest');
  });

  it('Given the member-api-call bundle, When its first EC2 call is made, Then the EC2 client is loaded from the SDK on NODE_PATH and the call answers as the integration would', () => {
    // When the SDK is on NODE_PATH, as the runtime's is in Lambda
    const answered = runNode(firstEc2Call(bundle), directory, join(PROJECT_ROOT, 'node_modules'));

    // Then
    expect(JSON.parse(answered)).toEqual({ Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1' }] });

    // And without it, the call fails for want of the EC2 client
    const failed = runNode(firstEc2Call(bundle), directory);
    expect(failed).toBe("Ec2.Ec2Exception: Cannot find module '@aws-sdk/client-ec2'");
  });

  it('Given the member-api-call bundle, When it calls SageMaker and S3 through its bundled clients, Then the answers and the error are the integration ones', () => {
    // When
    const outcomes = JSON.parse(runNode(bundledCalls(bundle), directory));

    // Then
    expect(outcomes).toEqual([
      { NotebookInstanceName: 'research', NotebookInstanceStatus: 'InService' },
      { Body: 'kept', ContentType: 'text/plain', ContentLength: 4, Metadata: {} },
      {
        name: 'SageMaker.SageMakerException',
        message:
          'Status (Stopped) not in ([InService]) (Service: SageMaker, Error Code: ValidationException)',
      },
    ]);
  });
});
