import { describe, expect, it } from 'vitest';
import {
  deriveStateMachineStatements,
  KMS_ACTIONS_ON_BEHALF,
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
  isMemberApiCallTask,
  MEMBER_API_FUNCTION_PLACEHOLDER,
} from '../../statemachines/member-credentials.js';
import {
  buildRemediationDefinition,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';

const NOTEBOOKS = 'arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/*';
const HUB = 'arn:aws:securityhub:eu-west-1:123456789012:hub/default';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const LOCKS = 'arn:aws:dynamodb:eu-west-1:123456789012:table/locks';
const APPROVALS = 'arn:aws:dynamodb:eu-west-1:123456789012:table/approvals';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234';
const KEYS = 'arn:aws:kms:eu-west-1:123456789012:key/*';
const PLAN = 'arn:aws:lambda:eu-west-1:123456789012:function:plan';
const REPORT = 'arn:aws:lambda:eu-west-1:123456789012:function:report';
const PLAN_CLEANUP = 'arn:aws:lambda:eu-west-1:123456789012:function:plan-cleanup';
const BUCKET = 'arn:aws:s3:::snapshots';
const BUCKET_OBJECTS = 'arn:aws:s3:::snapshots/roles/*';
const SNAPSHOT = 'arn:aws:lambda:eu-west-1:123456789012:function:snapshot';
const VERIFY = 'arn:aws:lambda:eu-west-1:123456789012:function:verify';
const MEMBER_API_CALL = 'arn:aws:lambda:eu-west-1:123456789012:function:member-api-call';

/** DynamoDB as the stack scopes it: each table by the placeholder its Tasks' TableName holds. */
const dynamodbScope = {
  resources: [],
  resourceParameter: {
    name: 'TableName',
    byPlaceholder: {
      [PLACEHOLDERS.lockTableName]: { sidSuffix: 'LockTable', resources: [LOCKS] },
      [RECREATE_PLACEHOLDERS.approvalTableName]: { sidSuffix: 'ApprovalTable', resources: [APPROVALS] },
    },
  },
  kmsKeyArn: KEY,
};

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
    dynamodb: dynamodbScope,
  },
  lambdaFunctions: {
    [PLACEHOLDERS.planFunctionArn]: PLAN,
    [PLACEHOLDERS.reportFailureFunctionArn]: REPORT,
    // A clean-up's first step, in every definition
    [PLACEHOLDERS.planCleanupFunctionArn]: PLAN_CLEANUP,
  },
  kmsViaService: { region: 'eu-west-1', urlSuffix: 'amazonaws.com' },
};

// The notebook engines only: the resource engines' derivation has its own test below.
const definition = buildRemediationDefinition({ resourceEngines: [] });
const recreateDefinition = buildRemediationDefinition({
  recreate: { approvalTimeoutSeconds: 86400 },
  resourceEngines: [],
});
const recreateScopes: StateMachineScopes = {
  ...scopes,
  services: {
    ...scopes.services,
    s3: {
      resources: [BUCKET_OBJECTS],
      actions: {
        ListObjectsV2: {
          sidSuffix: 'StatusListing',
          resources: [BUCKET],
          conditions: { StringLike: { 's3:prefix': ['roles/*'] } },
        },
      },
      kmsKeyArn: KEY,
    },
    ec2: { resources: ['*'] },
    kms: { resources: [KEYS] },
  },
  lambdaFunctions: {
    ...scopes.lambdaFunctions,
    [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: SNAPSHOT,
    [RECREATE_PLACEHOLDERS.verifyFunctionArn]: VERIFY,
    // The recreation's whole-object requests are made by the member-api-call function.
    [MEMBER_API_FUNCTION_PLACEHOLDER]: MEMBER_API_CALL,
  },
};

const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com` },
});

/** Independent of the implementation: the IAM action each Task needs, read straight off the definition. */
function actionsTheDefinitionNeeds(stateMachine: StateMachineDefinition): string[] {
  // The S3 API reference: ListObjectsV2 is authorized as s3:ListBucket. The Security Hub API
  // reference: BatchUpdateFindingsV2 is authorized as securityhub:BatchUpdateFindings.
  const renamed: Record<string, string> = {
    's3:ListObjectsV2': 's3:ListBucket',
    'securityhub:BatchUpdateFindingsV2': 'securityhub:BatchUpdateFindings',
  };
  const actions = taskStates(stateMachine).map(([, task]) => {
    if (task.Resource === LAMBDA_INVOKE || isMemberApiCallTask(task)) return 'lambda:InvokeFunction';
    // The callback pattern needs the same action as the plain call
    const integration = parseSdkIntegration(task.Resource.replace(/\.waitForTaskToken$/, ''));
    if (!integration) throw new Error(`unexpected resource ${task.Resource}`);
    const action = `${integration.service}:${integration.action[0]?.toUpperCase()}${integration.action.slice(1)}`;
    return renamed[action] ?? action;
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
  it('Given the definition without recreation, When derived, Then one statement per service and table, and the key through DynamoDB and SNS, each for what its Tasks call', () => {
    // When
    const statements = deriveStateMachineStatements(definition, scopes);

    // Then the lock table is only released, and the approval table, which holds recreation plans, is untouched
    expect(statements).toEqual([
      {
        Sid: 'DynamodbTasksLockTable',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem'],
        Resource: [LOCKS],
      },
      {
        Sid: 'LambdaTasks',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [PLAN_CLEANUP, PLAN, REPORT],
      },
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
      // DynamoDB decrypts the table key as the caller; SNS also generates the message data key
      {
        Sid: 'KmsThroughDynamodb',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY],
        Condition: viaService('dynamodb'),
      },
      {
        Sid: 'KmsThroughSns',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [KEY],
        Condition: viaService('sns'),
      },
    ]);
  });

  it('Given the actions read independently off every Task, When the derived statements are flattened, Then the two sets are equal', () => {
    const granted = [
      ...new Set(
        deriveStateMachineStatements(definition, scopes)
          .flatMap((statement) => statement.Action)
          .filter((action) => !action.startsWith('kms:')),
      ),
    ].sort();
    expect(granted).toEqual(actionsTheDefinitionNeeds(definition));
  });

  it('Given the lambda:invoke Tasks, Then their FunctionName placeholders are exactly the three functions', () => {
    const lambdaTasks = taskStates(definition).filter(([, task]) => task.Resource === LAMBDA_INVOKE);
    const named = lambdaTasks.map(([, task]) => String(task.Parameters?.FunctionName)).sort();
    expect(named).toEqual([
      `\${${PLACEHOLDERS.planCleanupFunctionArn}}`,
      `\${${PLACEHOLDERS.planFunctionArn}}`,
      // The failure report and the planning-failure alert
      `\${${PLACEHOLDERS.reportFailureFunctionArn}}`,
      `\${${PLACEHOLDERS.reportFailureFunctionArn}}`,
    ]);
  });

  it('Given scopes without SNS, When derived, Then it fails naming every SNS Task in one error', () => {
    const { sns: _sns, ...withoutSns } = scopes.services;
    const snsTasks = taskStates(definition)
      .filter(([, task]) => task.Resource === sdkIntegration('sns', 'publish'))
      .map(([name]) => `- ${name}: service 'sns' (sns:publish) has no resource scope`);
    expect(snsTasks.length).toBeGreaterThan(1);
    expect(() => deriveStateMachineStatements(definition, { ...scopes, services: withoutSns })).toThrow(
      `Cannot derive the state machine's permissions:\n${snsTasks.join('\n')}`,
    );
  });

  it('Given a Task of an SDK service with no known IAM prefix, an optimised integration, or an unscoped function, When derived, Then it fails naming it', () => {
    expect(() =>
      deriveStateMachineStatements(withTask(sdkIntegration('rds', 'stopDBInstance')), scopes),
    ).toThrow("- Only: no IAM prefix is known for SDK service 'rds'");
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

  it('Given a new SDK Task of a scoped service, When derived, Then its action is granted without touching the stack', () => {
    const extended: StateMachineDefinition = {
      ...definition,
      States: {
        ...definition.States,
        ListTagsOfNotebook: { Type: 'Task', Resource: sdkIntegration('sagemaker', 'listTags'), End: true },
      },
    };
    const sagemaker = deriveStateMachineStatements(extended, scopes).find((s) => s.Sid === 'SagemakerTasks');
    expect(sagemaker?.Action).toEqual([
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:ListTags',
      'sagemaker:StartNotebookInstance',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
    ]);
  });
});

describe('state machine permissions: DynamoDB per table', () => {
  it('Given a DynamoDB Task whose TableName is not a scoped placeholder, When derived, Then it fails naming the Task and the value', () => {
    expect(() =>
      deriveStateMachineStatements(
        withTask(sdkIntegration('dynamodb', 'getItem'), { TableName: `\${OtherTableName}` }),
        scopes,
      ),
    ).toThrow(`- Only: TableName must be a single scoped \${Placeholder} (got "\${OtherTableName}")`);
    expect(() =>
      deriveStateMachineStatements(
        withTask(sdkIntegration('dynamodb', 'getItem'), { TableName: 'locks' }),
        scopes,
      ),
    ).toThrow(`- Only: TableName must be a single scoped \${Placeholder} (got "locks")`);
  });

  it('Given Tasks on both tables, When derived, Then each table gets only the actions of the Tasks that name it', () => {
    const twoTables: StateMachineDefinition = {
      StartAt: 'PutLock',
      States: {
        PutLock: {
          Type: 'Task',
          Resource: sdkIntegration('dynamodb', 'putItem'),
          Parameters: { TableName: `\${${PLACEHOLDERS.lockTableName}}` },
          Next: 'ReadPlan',
        },
        ReadPlan: {
          Type: 'Task',
          Resource: sdkIntegration('dynamodb', 'getItem'),
          Parameters: { TableName: `\${${RECREATE_PLACEHOLDERS.approvalTableName}}` },
          End: true,
        },
      },
    };
    expect(deriveStateMachineStatements(twoTables, scopes)).toEqual([
      {
        Sid: 'DynamodbTasksApprovalTable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: [APPROVALS],
      },
      { Sid: 'DynamodbTasksLockTable', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [LOCKS] },
      {
        Sid: 'KmsThroughDynamodb',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY],
        Condition: viaService('dynamodb'),
      },
    ]);
  });

  it('Given two resource scopes with the same Sid, When derived, Then it fails rather than merge their resources', () => {
    // Given both tables scoped without a sidSuffix
    const sameSid: StateMachineScopes = {
      ...recreateScopes,
      services: {
        ...recreateScopes.services,
        dynamodb: {
          ...dynamodbScope,
          resourceParameter: {
            name: 'TableName',
            byPlaceholder: {
              [PLACEHOLDERS.lockTableName]: { resources: [LOCKS] },
              [RECREATE_PLACEHOLDERS.approvalTableName]: { resources: [APPROVALS] },
            },
          },
        },
      },
    };

    // When / Then
    expect(() => deriveStateMachineStatements(recreateDefinition, sameSid)).toThrow(
      '- two resource scopes would both be statement DynamodbTasks: give them distinct sidSuffix values',
    );
  });
});

describe('state machine permissions of the recreate branch', () => {
  it('Given the recreate definition, When derived, Then every action its Tasks call is granted, the callback (.waitForTaskToken) included, and no other', () => {
    // The KMS statements other than the pre-flight's DescribeKey are for encrypted resources, not a Task
    const granted = [
      ...new Set(
        deriveStateMachineStatements(recreateDefinition, recreateScopes)
          .filter(({ Sid }) => !Sid.startsWith('KmsThrough'))
          .flatMap((statement) => statement.Action),
      ),
    ].sort();
    expect(granted).toEqual(actionsTheDefinitionNeeds(recreateDefinition));
    expect(granted).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'kms:DescribeKey',
      'lambda:InvokeFunction',
      's3:GetObject',
      's3:ListBucket',
      // CreateNotebookInstance is made by the member-api-call function (its request is a whole object)
      'sagemaker:DeleteNotebookInstance',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:StartNotebookInstance',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
    ]);
    expect(
      taskStates(recreateDefinition).some(([, task]) =>
        task.Resource.endsWith('updateItem.waitForTaskToken'),
      ),
    ).toBe(true);
  });

  it('Given the recreate definition, When derived, Then each table, the bucket, the pre-flight and the key are granted exactly these', () => {
    const statements = deriveStateMachineStatements(recreateDefinition, recreateScopes);
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(statements.map(({ Sid }) => Sid)).toEqual([
      'DynamodbTasksApprovalTable',
      'DynamodbTasksLockTable',
      'Ec2Tasks',
      'KmsTasks',
      'LambdaTasks',
      'S3Tasks',
      'S3TasksStatusListing',
      'SagemakerTasks',
      'SecurityhubTasks',
      'SnsTasks',
      'KmsThroughDynamodb',
      'KmsThroughS3',
      'KmsThroughSns',
    ]);
    // The plan: the wait stores its token (UpdateItem), the findings are read, the plan is closed
    expect(bySid('DynamodbTasksApprovalTable')).toEqual({
      Sid: 'DynamodbTasksApprovalTable',
      Effect: 'Allow',
      Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: [APPROVALS],
    });
    // The lock: released only (plan-remediation and snapshot-notebook take it)
    expect(bySid('DynamodbTasksLockTable')).toEqual({
      Sid: 'DynamodbTasksLockTable',
      Effect: 'Allow',
      Action: ['dynamodb:DeleteItem'],
      Resource: [LOCKS],
    });
    // The failure marker's first KiB; the status markers listed under the notebooks' prefixes only
    expect(bySid('S3Tasks')).toEqual({
      Sid: 'S3Tasks',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [BUCKET_OBJECTS],
    });
    expect(bySid('S3TasksStatusListing')).toEqual({
      Sid: 'S3TasksStatusListing',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [BUCKET],
      Condition: { StringLike: { 's3:prefix': ['roles/*'] } },
    });
    // The pre-flight: Describe calls with no resource type, and the target key
    expect(bySid('Ec2Tasks')).toEqual({
      Sid: 'Ec2Tasks',
      Effect: 'Allow',
      Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets'],
      Resource: ['*'],
    });
    expect(bySid('KmsTasks')).toEqual({
      Sid: 'KmsTasks',
      Effect: 'Allow',
      Action: ['kms:DescribeKey'],
      Resource: [KEYS],
    });
    // GetObject decrypts; listing reads no object data, so it adds no KMS action
    expect(bySid('KmsThroughS3')).toEqual({
      Sid: 'KmsThroughS3',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [KEY],
      Condition: viaService('s3'),
    });
    expect(bySid('KmsThroughDynamodb')?.Action).toEqual(['kms:Decrypt']);
  });

  it('Given a Task on an encrypted service whose KMS use is not known, When derived, Then it fails rather than grant it no key', () => {
    expect(() =>
      deriveStateMachineStatements(
        withTask(sdkIntegration('dynamodb', 'query'), { TableName: `\${${PLACEHOLDERS.lockTableName}}` }),
        scopes,
      ),
    ).toThrow(
      '- Only: which KMS actions dynamodb:Query needs on resources encrypted with a customer managed key is not known',
    );
    expect(KMS_ACTIONS_ON_BEHALF['s3:ListBucket']).toEqual([]);
  });

  it('Given the recreate definition, Then the six functions are invoked, and it fails when the snapshot or verify function is not scoped', () => {
    const lambda = deriveStateMachineStatements(recreateDefinition, recreateScopes).find(
      (statement) => statement.Sid === 'LambdaTasks',
    );
    expect(lambda?.Resource).toEqual([MEMBER_API_CALL, PLAN_CLEANUP, PLAN, REPORT, SNAPSHOT, VERIFY]);
    expect(() =>
      deriveStateMachineStatements(recreateDefinition, {
        ...recreateScopes,
        lambdaFunctions: scopes.lambdaFunctions,
      }),
    ).toThrow(`no function ARN is scoped for placeholder \${${RECREATE_PLACEHOLDERS.snapshotFunctionArn}}`);
  });

  it('Given a callback on an unknown service or an optimised integration, When derived, Then it is still refused', () => {
    expect(() =>
      deriveStateMachineStatements(
        withTask(`${sdkIntegration('rds', 'stopDBInstance')}.waitForTaskToken`),
        scopes,
      ),
    ).toThrow("- Only: no IAM prefix is known for SDK service 'rds'");
    expect(() =>
      deriveStateMachineStatements(withTask('arn:aws:states:::sqs:sendMessage.waitForTaskToken'), scopes),
    ).toThrow('- Only: unsupported Task resource arn:aws:states:::sqs:sendMessage.waitForTaskToken');
  });
});
