import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeNotebookInstanceCommand,
  paginateListTags,
  SageMakerClient,
  StopNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { AwsServiceError, stepFunctionsErrorName } from '../../simulation/account/errors.js';
import { notebookControlFinding, securityHubProductArn } from '../../simulation/account/sample-findings.js';
import { rejectionOf } from '../unit/caught-errors.js';

const START = Date.parse('2026-11-23T09:00:00.000Z');

describe('SimulatedAccount SDK clients', () => {
  it('send(DescribeNotebookInstanceCommand) answers like the SDK, after the virtual latency', async () => {
    // Given
    const account = new SimulatedAccount();
    account.sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
    const { sagemaker } = account.sdkClients();

    // When
    const response = await sagemaker.send(
      new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb' }),
    );

    // Then
    expect(response.NotebookInstanceStatus).toBe('InService');
    expect(response.CreationTime).toBeInstanceOf(Date);
    expect(response.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.any(String) });
    expect(account.clock.nowMs() - START).toBe(50);
    expect(account.calls).toEqual([
      expect.objectContaining({
        service: 'SageMaker',
        operation: 'DescribeNotebookInstance',
        outcome: 'ok',
        via: 'sdk',
        at: new Date(START + 25),
      }),
    ]);
  });

  it('errors reject with an AwsServiceError carrying the request id, and are logged', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    const { sagemaker } = account.sdkClients();

    // When
    const error = await rejectionOf(
      sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'x' })),
    );

    // Then
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.name).toBe('ValidationException');
    expect((error as AwsServiceError).$metadata.requestId).toBe(account.calls[0]?.requestId);
    expect(account.calls[0]?.outcome).toBe('ValidationException');
    expect(account.clock.nowMs()).toBe(START);
  });

  it('a DynamoDB PutItemCommand goes to the simulated table', async () => {
    // Given
    const account = new SimulatedAccount();
    account.dynamodb.createTable({ TableName: 'locks', partitionKey: 'pk' });
    const { dynamodb } = account.sdkClients();

    // When
    await dynamodb.send(new PutItemCommand({ TableName: 'locks', Item: { pk: { S: 'a' } } }));

    // Then
    expect(account.dynamodb.scanTable('locks')).toEqual([{ pk: { S: 'a' } }]);
  });

  it('a real SageMakerClient routed to the account works with the SDK paginators', async () => {
    // Given
    const account = new SimulatedAccount();
    const tags = Array.from({ length: 120 }, (_, index) => ({
      Key: index < 50 ? `team-${index}` : `aws:system-${index}`,
      Value: 'v',
    }));
    const arn = account.sagemaker.seedNotebook({ name: 'nb', tags });
    const client = account.routeSdkClient(
      new SageMakerClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );

    // When
    const pages: number[] = [];
    for await (const page of paginateListTags({ client }, { ResourceArn: arn })) {
      pages.push(page.Tags?.length ?? 0);
    }

    // Then
    expect(pages).toEqual([50, 50, 20]);
    expect(account.callsTo('SageMaker', 'ListTags')).toHaveLength(3);
  });

  it('concurrent callers interleave deterministically on the shared clock', async () => {
    // Given
    const run = async (): Promise<string[]> => {
      const account = new SimulatedAccount({ latencyMs: 40 });
      for (const name of ['a', 'b', 'c']) account.sagemaker.seedNotebook({ name, status: 'InService' });
      const { sagemaker } = account.sdkClients();
      const poll = async (name: string, times: number): Promise<void> => {
        for (let index = 0; index < times; index += 1) {
          await sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }));
          await account.clock.sleep(name === 'b' ? 15 : 30);
        }
      };
      await Promise.all([poll('a', 3), poll('b', 4), poll('c', 2)]);
      return account.calls.map(
        (call) =>
          `${(call.input as { NotebookInstanceName: string }).NotebookInstanceName}@${call.at.getTime() - START}`,
      );
    };

    // When
    const first = await run();
    const second = await run();

    // Then
    expect(second).toEqual(first);
    // a and c poll every 20 ms + 30 ms, b every 20 ms + 15 ms; each call is handled 20 ms after it is sent
    expect(first).toEqual(['a@20', 'b@20', 'c@20', 'b@75', 'a@90', 'c@90', 'b@130', 'a@160', 'b@185']);
  });
});

describe('SimulatedAccount Step Functions integrations', () => {
  it('an aws-sdk task gets the JSON result, dates as ISO strings', async () => {
    // Given
    const account = new SimulatedAccount();
    account.sagemaker.seedNotebook({ name: 'nb', status: 'InService' });

    // When
    const result = await account.callStepFunctionsIntegration(
      'arn:aws:states:::aws-sdk:sagemaker:describeNotebookInstance',
      { NotebookInstanceName: 'nb' },
    );

    // Then
    expect(result).toMatchObject({
      NotebookInstanceStatus: 'InService',
      CreationTime: '2026-11-23T09:00:00.000Z',
    });
    expect(result).not.toHaveProperty('$metadata');
    expect(account.calls[0]?.via).toBe('step-functions');
  });

  it('throttled StopNotebookInstance arrives as SageMaker.SageMakerException, the code only in the Cause', async () => {
    // Given
    const account = new SimulatedAccount();
    account.sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
    account.faults.throttle({ service: 'SageMaker', operation: 'StopNotebookInstance' });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sagemaker:stopNotebookInstance', {
        NotebookInstanceName: 'nb',
      }),
    );

    // Then
    expect(error.name).toBe('SageMaker.SageMakerException');
    expect(error.message).toMatch(
      /^Rate exceeded \(Service: SageMaker, Status Code: 400, Error Code: ThrottlingException, Request ID: [0-9a-f-]{36}\)$/,
    );
    expect(account.sagemaker.statusOf('nb')).toBe('InService');
    expect(account.calls[0]?.outcome).toBe('ThrottlingException');
  });

  it('a wrong-state error also arrives as SageMaker.SageMakerException, with the AWS message as Cause', async () => {
    // Given
    const account = new SimulatedAccount();
    account.sagemaker.seedNotebook({ name: 'nb', status: 'Stopping' });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sagemaker:stopNotebookInstance', {
        NotebookInstanceName: 'nb',
      }),
    );

    // Then
    expect(error.name).toBe('SageMaker.SageMakerException');
    expect(error.message).toContain(
      'Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance ' +
        '(arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb) (Service: SageMaker, Status Code: 400, ' +
        'Error Code: ValidationException',
    );
  });

  it('a declared error keeps its name: SageMaker.ResourceLimitExceededException', async () => {
    // Given
    const account = new SimulatedAccount();
    account.sagemaker.seedNotebook({ name: 'nb', status: 'Stopped' });
    account.faults.failNext({
      service: 'SageMaker',
      operation: 'StartNotebookInstance',
      code: 'ResourceLimitExceeded',
      message: 'The account-level service limit for ml.t3.medium is 2 Instances',
    });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sagemaker:startNotebookInstance', {
        NotebookInstanceName: 'nb',
      }),
    );

    // Then
    expect(error.name).toBe('SageMaker.ResourceLimitExceededException');
    expect(error.message).not.toContain('Error Code');
  });

  it('a DynamoDB conditional failure arrives as DynamoDb.ConditionalCheckFailedException', async () => {
    // Given
    const account = new SimulatedAccount();
    account.dynamodb.createTable({ TableName: 'locks', partitionKey: 'pk' });
    const put = {
      TableName: 'locks',
      Item: { pk: { S: 'notebook#nb' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    await account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:dynamodb:putItem', put);

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:dynamodb:putItem', put),
    );

    // Then
    expect(error.name).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(error.message).toMatch(
      /^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: /,
    );
  });

  it('the optimized DynamoDB integration names errors DynamoDB.* and returns SDK metadata', async () => {
    // Given
    const account = new SimulatedAccount();
    account.dynamodb.createTable({ TableName: 'locks', partitionKey: 'pk' });
    const put = {
      TableName: 'locks',
      Item: { pk: { S: 'a' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };

    // When
    const first = await account.callStepFunctionsIntegration('arn:aws:states:::dynamodb:putItem', put);
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::dynamodb:putItem', put),
    );

    // Then
    expect(first).toMatchObject({ SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: {} });
    expect(error.name).toBe('DynamoDB.ConditionalCheckFailedException');
  });

  it.each([
    ['DynamoDB', 'PutItem', 'InternalServerError', 'DynamoDb.InternalServerErrorException'],
    ['DynamoDB', 'PutItem', 'ValidationException', 'DynamoDb.DynamoDbException'],
    ['SecurityHub', 'BatchUpdateFindings', 'InvalidInputException', 'SecurityHub.InvalidInputException'],
    ['SecurityHub', 'BatchUpdateFindings', 'TooManyRequestsException', 'SecurityHub.SecurityHubException'],
    ['SNS', 'Publish', 'NotFoundException', 'Sns.NotFoundException'],
    ['SNS', 'Publish', 'KMSThrottlingException', 'Sns.KmsThrottlingException'],
    ['SNS', 'Publish', 'Throttling', 'Sns.SnsException'],
  ] as const)('%s %s failing with %s arrives as %s', async (service, operation, code, expected) => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    account.faults.failNext({ service, operation, code });
    const resource = `arn:aws:states:::aws-sdk:${service.toLowerCase()}:${operation.charAt(0).toLowerCase()}${operation.slice(1)}`;

    // When
    const error = await rejectionOf(account.callStepFunctionsIntegration(resource, {}));

    // Then
    expect(error.name).toBe(expected);
  });

  it('error names always end in Exception, with acronyms in PascalCase', () => {
    // Given / When / Then
    expect(stepFunctionsErrorName('ResourceLimitExceeded')).toBe('ResourceLimitExceededException');
    expect(stepFunctionsErrorName('KMSOptInRequired')).toBe('KmsOptInRequiredException');
    expect(stepFunctionsErrorName('ConditionalCheckFailedException')).toBe('ConditionalCheckFailedException');
  });

  it('BatchUpdateFindings through a task updates the finding and puts an Imported event on the bus', async () => {
    // Given
    const account = new SimulatedAccount();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    account.securityHub.importFinding(finding);

    // When
    const result = await account.callStepFunctionsIntegration(
      'arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings',
      {
        FindingIdentifiers: [{ Id: finding.Id, ProductArn: securityHubProductArn('eu-west-1') }],
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: 'Stopping the notebook to disable root access', UpdatedBy: 'sagemaker-remediation' },
      },
    );
    await account.bus.settled();

    // Then
    expect(result).toEqual({
      ProcessedFindings: [{ Id: finding.Id, ProductArn: securityHubProductArn('eu-west-1') }],
      UnprocessedFindings: [],
    });
    expect(account.bus.events.map((event) => event.detail.findings)).toHaveLength(2);
  });

  it('the Imported event the workflow causes by setting NOTIFIED does not trigger the rule again', async () => {
    // Given: a rule like the production one, and a NEW failed finding
    const account = new SimulatedAccount();
    const triggered: string[] = [];
    account.bus.addRule(
      'remediate-sagemaker',
      {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            Compliance: { Status: ['FAILED'], SecurityControlId: ['SageMaker.3'] },
            Workflow: { Status: ['NEW'] },
            RecordState: ['ACTIVE'],
          },
        },
      },
      (event) => {
        triggered.push(event.id);
      },
    );
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    account.securityHub.importFinding(finding);
    await account.bus.settled();

    // When
    await account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings', {
      FindingIdentifiers: [{ Id: finding.Id, ProductArn: finding.ProductArn }],
      Workflow: { Status: 'NOTIFIED' },
    });
    await account.bus.settled();

    // Then
    expect(account.bus.events).toHaveLength(2);
    expect(triggered).toHaveLength(1);
  });

  it('an unsimulated resource is refused with an explanation', async () => {
    // Given
    const account = new SimulatedAccount();

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:rds:describeDBInstances', {}),
    );

    // Then
    expect(error.message).toContain(
      'does not simulate the Task resource arn:aws:states:::aws-sdk:rds:describeDBInstances',
    );
  });

  it('an unsimulated operation of a simulated service is refused, naming it', async () => {
    // Given
    const account = new SimulatedAccount();

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:ec2:describeInstances', {}),
    );

    // Then
    expect(error.message).toBe('The simulated account does not simulate EC2 DescribeInstances');
  });
});

describe('SimulatedAccount fault injection', () => {
  it('failNext on one resource fails only its calls, the given number of times', async () => {
    // Given an account whose SDK clients make one attempt per call (the SDK would retry InternalFailure)
    const account = new SimulatedAccount({ latencyMs: 0, sdkRetries: 'off' });
    account.sagemaker.seedNotebook({ name: 'target' });
    account.sagemaker.seedNotebook({ name: 'other' });
    account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      code: 'InternalFailure',
      times: 2,
      resourceName: 'target',
    });
    const { sagemaker } = account.sdkClients();
    const describe = (name: string) =>
      sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }));

    // When
    const outcomes: string[] = [];
    for (const name of ['other', 'target', 'target', 'target']) {
      outcomes.push(
        await describe(name).then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      );
    }

    // Then
    expect(outcomes).toEqual(['ok', 'InternalFailure', 'InternalFailure', 'ok']);
    const failure = account.calls[1];
    expect(failure?.outcome).toBe('InternalFailure');
  });

  it('a token bucket throttles calls beyond the rate and refills in virtual time', async () => {
    // Given one attempt per call, so that the throttled one is seen
    const account = new SimulatedAccount({ latencyMs: 0, sdkRetries: 'off' });
    account.sagemaker.seedNotebook({ name: 'nb' });
    account.faults.rateLimit({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      ratePerSecond: 10,
    });
    const { sagemaker } = account.sdkClients();
    const describe = () =>
      sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb' })).then(
        () => 'ok',
        (error: Error) => error.name,
      );

    // When
    const burst = await Promise.all(Array.from({ length: 11 }, describe));
    await account.clock.sleep(100);
    const afterOneToken = await describe();

    // Then
    expect(burst.filter((outcome) => outcome === 'ok')).toHaveLength(10);
    expect(burst.filter((outcome) => outcome === 'ThrottlingException')).toHaveLength(1);
    expect(afterOneToken).toBe('ok');
  });

  it('typical rate limits can be switched on for the whole account', async () => {
    // Given one attempt per call, so that the throttled ones are seen
    const account = new SimulatedAccount({ latencyMs: 0, rateLimits: 'typical', sdkRetries: 'off' });
    account.sagemaker.seedNotebook({ name: 'nb' });
    const { sagemaker } = account.sdkClients();

    // When
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb' })).then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      ),
    );

    // Then
    expect(outcomes.filter((outcome) => outcome === 'ThrottlingException').length).toBeGreaterThan(0);
  });
});
