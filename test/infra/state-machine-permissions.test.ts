import { describe, expect, it } from 'vitest';
import {
  deriveStateMachineStatements,
  type StateMachineScopes,
} from '../../stacks/state-machine-permissions.js';
import {
  LAMBDA_INVOKE,
  parseSdkIntegration,
  type StateMachineDefinition,
  sdkIntegration,
  taskStates,
} from '../../statemachines/amazon-states-language.js';
import {
  buildRemediationDefinition,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';

const NOTEBOOKS = 'arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/*';
const HUB = 'arn:aws:securityhub:eu-west-1:123456789012:hub/default';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/locks';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234';
const PLAN = 'arn:aws:lambda:eu-west-1:123456789012:function:plan';
const REPORT = 'arn:aws:lambda:eu-west-1:123456789012:function:report';

const scopes: StateMachineScopes = {
  services: {
    sagemaker: {
      resources: [NOTEBOOKS],
      conditions: { StringEqualsIfExists: { 'sagemaker:RootAccess': 'Disabled' } },
    },
    securityhub: {
      resources: [HUB],
      conditions: {
        StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED', 'RESOLVED'] },
      },
    },
    sns: { resources: [TOPIC], kmsKeyArn: KEY },
    dynamodb: { resources: [TABLE], kmsKeyArn: KEY },
  },
  lambdaFunctions: { [PLACEHOLDERS.planFunctionArn]: PLAN, [PLACEHOLDERS.reportFailureFunctionArn]: REPORT },
  kmsViaService: { region: 'eu-west-1', urlSuffix: 'amazonaws.com' },
};

const definition = buildRemediationDefinition();
const recreateDefinition = buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 86400 } });
const BUCKET_OBJECTS = 'arn:aws:s3:::snapshots/roles/*';
const APPROVALS = 'arn:aws:dynamodb:eu-west-1:123456789012:table/approvals';
const SNAPSHOT = 'arn:aws:lambda:eu-west-1:123456789012:function:snapshot';
const VERIFY = 'arn:aws:lambda:eu-west-1:123456789012:function:verify';
const recreateScopes: StateMachineScopes = {
  ...scopes,
  services: {
    ...scopes.services,
    dynamodb: { resources: [TABLE, APPROVALS], kmsKeyArn: KEY },
    s3: { resources: [BUCKET_OBJECTS], kmsKeyArn: KEY },
  },
  lambdaFunctions: {
    ...scopes.lambdaFunctions,
    [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: SNAPSHOT,
    [RECREATE_PLACEHOLDERS.verifyFunctionArn]: VERIFY,
  },
};

/** Independent of the implementation: the IAM action each Task needs, read straight off the definition. */
function actionsTheDefinitionNeeds(stateMachine: StateMachineDefinition): string[] {
  const prefixes: Record<string, string> = {
    sagemaker: 'sagemaker',
    securityhub: 'securityhub',
    sns: 'sns',
    dynamodb: 'dynamodb',
    s3: 's3',
  };
  const actions = taskStates(stateMachine).map(([, task]) => {
    if (task.Resource === LAMBDA_INVOKE) return 'lambda:InvokeFunction';
    // The callback pattern needs the same action as the plain call
    const integration = parseSdkIntegration(task.Resource.replace(/\.waitForTaskToken$/, ''));
    if (!integration) throw new Error(`unexpected resource ${task.Resource}`);
    return `${prefixes[integration.service]}:${integration.action[0]?.toUpperCase()}${integration.action.slice(1)}`;
  });
  return [...new Set(actions)].sort();
}

function withTask(resource: string, parameters: Record<string, string> = {}): StateMachineDefinition {
  return {
    StartAt: 'Only',
    States: { Only: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
  };
}

describe('state machine permissions derived from the definition', () => {
  it('are one statement per service, actions sorted, plus KMS through SNS and DynamoDB only', () => {
    // Given the remediation definition and the stack's scopes
    // When the statements are derived
    const statements = deriveStateMachineStatements(definition, scopes);

    // Then they are exactly these
    expect(statements).toEqual([
      { Sid: 'DynamodbTasks', Effect: 'Allow', Action: ['dynamodb:DeleteItem'], Resource: [TABLE] },
      { Sid: 'LambdaTasks', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [PLAN, REPORT] },
      {
        Sid: 'SagemakerTasks',
        Effect: 'Allow',
        Action: [
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:StartNotebookInstance',
          'sagemaker:StopNotebookInstance',
          'sagemaker:UpdateNotebookInstance',
        ],
        Resource: [NOTEBOOKS],
        Condition: { StringEqualsIfExists: { 'sagemaker:RootAccess': 'Disabled' } },
      },
      {
        Sid: 'SecurityhubTasks',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [HUB],
        Condition: {
          StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED', 'RESOLVED'] },
        },
      },
      { Sid: 'SnsTasks', Effect: 'Allow', Action: ['sns:Publish'], Resource: [TOPIC] },
      {
        Sid: 'KmsForEncryptedResources',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [KEY],
        Condition: {
          StringEquals: {
            'kms:ViaService': ['dynamodb.eu-west-1.amazonaws.com', 'sns.eu-west-1.amazonaws.com'],
          },
        },
      },
    ]);
  });

  it('grant every action a Task of the definition calls, and no other', () => {
    // Given the actions read independently off every Task
    const needed = actionsTheDefinitionNeeds(definition);

    // When the derived statements are flattened (KMS is for the encrypted resources, not a Task)
    const granted = deriveStateMachineStatements(definition, scopes)
      .flatMap((statement) => statement.Action)
      .filter((action) => !action.startsWith('kms:'))
      .sort();

    // Then the two sets are equal
    expect(granted).toEqual(needed);
  });

  it('invoke exactly the functions the FunctionName placeholders name', () => {
    const lambdaTasks = taskStates(definition).filter(([, task]) => task.Resource === LAMBDA_INVOKE);
    const named = lambdaTasks.map(([, task]) => String(task.Parameters?.FunctionName)).sort();
    expect(named).toEqual([
      `\${${PLACEHOLDERS.planFunctionArn}}`,
      `\${${PLACEHOLDERS.reportFailureFunctionArn}}`,
    ]);
  });

  it('fail, naming every Task, when a service the definition calls has no scope', () => {
    // Given scopes without SNS
    const { sns: _sns, ...withoutSns } = scopes.services;

    // When / Then: each SNS Task is listed in one error
    const snsTasks = taskStates(definition)
      .filter(([, task]) => task.Resource === sdkIntegration('sns', 'publish'))
      .map(([name]) => `- ${name}: service 'sns' (sns:publish) has no resource scope`);
    expect(snsTasks.length).toBeGreaterThan(1);
    expect(() => deriveStateMachineStatements(definition, { ...scopes, services: withoutSns })).toThrow(
      `Cannot derive the state machine's permissions:\n${snsTasks.join('\n')}`,
    );
  });

  it('fail for an SDK service with no known IAM prefix, an optimised integration, or an unscoped function', () => {
    expect(() =>
      deriveStateMachineStatements(withTask(sdkIntegration('ec2', 'stopInstances')), scopes),
    ).toThrow("- Only: no IAM prefix is known for SDK service 'ec2'");
    expect(() => deriveStateMachineStatements(withTask('arn:aws:states:::sns:publish'), scopes)).toThrow(
      '- Only: unsupported Task resource arn:aws:states:::sns:publish',
    );
    expect(() =>
      deriveStateMachineStatements(withTask(LAMBDA_INVOKE, { FunctionName: `\${OtherFunctionArn}` }), scopes),
    ).toThrow(`- Only: no function ARN is scoped for placeholder \${OtherFunctionArn}`);
    expect(() =>
      deriveStateMachineStatements(
        withTask(LAMBDA_INVOKE, { FunctionName: 'arn:aws:lambda:x:1:function:f' }),
        scopes,
      ),
    ).toThrow(`- Only: lambda:invoke needs FunctionName to be a single \${Placeholder}`);
  });

  it('a new SDK Task of a scoped service is granted without touching the stack', () => {
    // Given a definition with one more SageMaker call
    const extended: StateMachineDefinition = {
      ...definition,
      States: {
        ...definition.States,
        ListTagsOfNotebook: { Type: 'Task', Resource: sdkIntegration('sagemaker', 'listTags'), End: true },
      },
    };

    // When derived
    const sagemaker = deriveStateMachineStatements(extended, scopes).find((s) => s.Sid === 'SagemakerTasks');

    // Then the new action appears, sorted in
    expect(sagemaker?.Action).toEqual([
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:ListTags',
      'sagemaker:StartNotebookInstance',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
    ]);
  });
});

describe('state machine permissions of the recreate branch', () => {
  it('grant every action its Tasks call, the callback (.waitForTaskToken) included, and no other', () => {
    const granted = deriveStateMachineStatements(recreateDefinition, recreateScopes)
      .flatMap((statement) => statement.Action)
      .filter((action) => !action.startsWith('kms:'))
      .sort();
    expect(granted).toEqual(actionsTheDefinitionNeeds(recreateDefinition));
    expect(granted).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'lambda:InvokeFunction',
      's3:GetObject',
      'sagemaker:CreateNotebookInstance',
      'sagemaker:DeleteNotebookInstance',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:StartNotebookInstance',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
    ]);
    expect(granted).toContain('dynamodb:PutItem');
    expect(
      taskStates(recreateDefinition).some(([, task]) => task.Resource.endsWith('putItem.waitForTaskToken')),
    ).toBe(true);
  });

  it('read the manifests from the bucket scope, with the key through S3 as well', () => {
    const statements = deriveStateMachineStatements(recreateDefinition, recreateScopes);
    expect(statements.find((statement) => statement.Sid === 'S3Tasks')).toEqual({
      Sid: 'S3Tasks',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [BUCKET_OBJECTS],
    });
    expect(statements.find((statement) => statement.Sid === 'KmsForEncryptedResources')?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': [
          'dynamodb.eu-west-1.amazonaws.com',
          's3.eu-west-1.amazonaws.com',
          'sns.eu-west-1.amazonaws.com',
        ],
      },
    });
  });

  it('invoke the four functions, and fail when the snapshot or verify function is not scoped', () => {
    const lambda = deriveStateMachineStatements(recreateDefinition, recreateScopes).find(
      (statement) => statement.Sid === 'LambdaTasks',
    );
    expect(lambda?.Resource).toEqual([PLAN, REPORT, SNAPSHOT, VERIFY]);
    expect(() => deriveStateMachineStatements(recreateDefinition, scopes)).toThrow(
      `no function ARN is scoped for placeholder \${${RECREATE_PLACEHOLDERS.snapshotFunctionArn}}`,
    );
  });

  it('still refuse a callback on an unknown service or an optimised integration', () => {
    expect(() =>
      deriveStateMachineStatements(
        withTask(`${sdkIntegration('ec2', 'stopInstances')}.waitForTaskToken`),
        scopes,
      ),
    ).toThrow("- Only: no IAM prefix is known for SDK service 'ec2'");
    expect(() =>
      deriveStateMachineStatements(withTask('arn:aws:states:::sqs:sendMessage.waitForTaskToken'), scopes),
    ).toThrow('- Only: unsupported Task resource arn:aws:states:::sqs:sendMessage.waitForTaskToken');
  });
});
