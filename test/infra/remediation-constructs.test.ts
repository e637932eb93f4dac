/**
 * The constructs the remediation stack is composed of, on their own: each refuses invalid props with
 * one Error listing every problem. What they deploy is asserted through the stack
 * (remediation-stack.test.ts, cdk-nag.test.ts, logical-ids.test.ts).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { AttributeType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { InlineCode, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { CONTROL_IDS, type ControlModes, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { EncryptionKey } from '../../stacks/encryption-key.js';
import { FindingIntake } from '../../stacks/finding-intake.js';
import { NotebookBackupBucket } from '../../stacks/notebook-backup-bucket.js';
import { RemediationAlarms } from '../../stacks/remediation-alarms.js';
import { RemediationFunctions } from '../../stacks/remediation-functions.js';
import { RemediationWorkflow } from '../../stacks/remediation-workflow.js';
import { TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

/** A stack with the resources the constructs are wired to (no Lambda bundling). */
function fixtures() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ConstructUnderTest', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const otherKey = new Key(stack, 'OtherKey', { enableKeyRotation: true });
  const table = (id: string, encryptionKey: Key) =>
    new Table(stack, id, {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey,
    });
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: new InlineCode('exports.handler = async () => {};'),
    });
  return {
    stack,
    key,
    otherKey,
    table,
    fn,
    topic: new Topic(stack, 'Topic', { masterKey: key }),
    notebookBackups: new NotebookBackupBucket(stack, 'Backups', { encryptionKey: key }),
    stateMachine: new StateMachine(stack, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')),
    }),
  };
}

/** Settings that pass the construct's checks for this lock table and bucket (approval table 'approvals'). */
function validSettings(lockTableName: string, backupBucket: string) {
  return {
    accountId: TEST_ACCOUNT,
    region: TEST_REGION,
    lockTableName,
    modes: resolveModes(),
    exemptionTag: { key: 'k', value: 'v' },
    dryRun: false,
    requiredTags: {},
    timing: {
      stopSeconds: 60,
      updateSeconds: 60,
      deleteSeconds: 30,
      startSeconds: 180,
      pollDelaysSeconds: [10],
      runStateRecoveryDelaysSeconds: [15],
      lifecycleRecoveryDelaysSeconds: [15],
    },
    lockSeconds: 3600,
    recreate: {
      targets: [],
      backupBucket,
      approvalTableName: 'approvals',
      approvalTimeoutSeconds: 3600,
      acceptDataLoss: [],
    },
  };
}

const ALL_OFF = Object.fromEntries(CONTROL_IDS.map((id) => [id, 'off'])) as unknown as ControlModes;

describe('EncryptionKey', () => {
  it('refuses a blank description', () => {
    const { stack } = fixtures();
    expect(() => new EncryptionKey(stack, 'Encryption', { description: ' ' })).toThrow(
      "Invalid EncryptionKey 'Encryption':\ndescription must not be blank: leave it out instead",
    );
  });

  it('refuses a description longer than KMS accepts', () => {
    const { stack } = fixtures();
    expect(() => new EncryptionKey(stack, 'Encryption', { description: 'x'.repeat(8193) })).toThrow(
      /description has 8193 characters; KMS accepts at most 8192/,
    );
  });
});

describe('RemediationFunctions', () => {
  it('Given retention, settings that name other resources and tables under another key, When built, Then every problem is listed at once', () => {
    const { stack, key, otherKey, table, notebookBackups } = fixtures();
    const lockTable = table('Locks', otherKey);
    const approvalTable = table('Approvals', otherKey);
    expect(
      () =>
        new RemediationFunctions(stack, 'Functions', {
          encryptionKey: key,
          logRetention: 2 as RetentionDays,
          settings: {
            accountId: TEST_ACCOUNT,
            region: TEST_REGION,
            lockTableName: 'some-other-table',
            modes: resolveModes(),
            exemptionTag: { key: 'k', value: 'v' },
            dryRun: false,
            requiredTags: {},
            timing: {
              stopSeconds: 60,
              updateSeconds: 60,
              deleteSeconds: 30,
              startSeconds: 180,
              pollDelaysSeconds: [10],
              runStateRecoveryDelaysSeconds: [15],
              lifecycleRecoveryDelaysSeconds: [15],
            },
            lockSeconds: 3600,
          },
          lockTable,
          approvalTable,
          notebookBackups,
        }),
    ).toThrow(
      [
        "Invalid RemediationFunctions 'Functions':",
        'logRetention 2 is not a CloudWatch Logs retention (one of RetentionDays)',
        "settings.lockTableName is not lockTable's name: plan-remediation may only use lockTable",
        'settings.recreate is missing: snapshot-notebook and verify-recreation need it',
        'lockTable is encrypted with another key than encryptionKey, the only key the roles may use',
        'approvalTable is encrypted with another key than encryptionKey, the only key the roles may use',
      ].join('\n'),
    );
  });

  it('Given settings whose recreate block names another bucket and approval table, When built, Then both are listed', () => {
    const { stack, key, table, notebookBackups } = fixtures();
    const lockTable = table('Locks', key);
    expect(
      () =>
        new RemediationFunctions(stack, 'Functions', {
          encryptionKey: key,
          settings: {
            ...validSettings(lockTable.tableName, 'some-other-bucket'),
            recreate: {
              ...validSettings(lockTable.tableName, 'some-other-bucket').recreate,
              approvalTableName: 'some-other-table',
            },
          },
          lockTable,
          approvalTable: table('Approvals', key),
          notebookBackups,
        }),
    ).toThrow(
      [
        "Invalid RemediationFunctions 'Functions':",
        "settings.recreate.backupBucket is not notebookBackups' bucket: the roles may only use that bucket",
        "settings.recreate.approvalTableName is not approvalTable's name: plan-remediation may only use approvalTable",
      ].join('\n'),
    );
  });

  it('Given valid functions, When the custom-action function is added with a mode missing, Then it is refused; a valid one is added once only', () => {
    // Given valid functions
    const { stack, key, table, notebookBackups, stateMachine } = fixtures();
    const lockTable = table('Locks', key);
    const approvalTable = table('Approvals', key);
    const settings = validSettings(lockTable.tableName, notebookBackups.bucket.bucketName);
    const functions = new RemediationFunctions(stack, 'Functions', {
      encryptionKey: key,
      settings: {
        ...settings,
        recreate: { ...settings.recreate, approvalTableName: approvalTable.tableName },
      },
      lockTable,
      approvalTable,
      notebookBackups,
    });
    const actionArns = { approve: 'a', reject: 'r', 'remediate-now': 'n' };
    const { 'SageMaker.1': _left, ...modes } = resolveModes();

    // When the custom-action function is added with a mode missing
    const invalid = () =>
      functions.addCustomActionFunction({ stateMachine, actionArns, modes: modes as ControlModes });

    // Then the problem is listed; a valid one is added once only
    expect(invalid).toThrow(
      ["Invalid custom-action function of 'Functions':", 'modes has no mode for SageMaker.1'].join('\n'),
    );
    const valid = { stateMachine, actionArns, modes: resolveModes() };
    expect(functions.addCustomActionFunction(valid).fn.node.id).toBe('CustomAction');
    expect(() => functions.addCustomActionFunction(valid)).toThrow(
      /the custom-action function was already added/,
    );
  });
});

describe('RemediationWorkflow', () => {
  it('lists every problem at once: no recreation, retention, a key alias, resources under another key', () => {
    const { stack, key, otherKey, table, fn } = fixtures();
    expect(
      () =>
        new RemediationWorkflow(stack, 'Workflow', {
          definitionOptions: {},
          functions: {
            planRemediation: fn('Plan'),
            reportFailure: fn('Report'),
            snapshotNotebook: fn('Snapshot'),
            verifyRecreation: fn('Verify'),
            planCleanup: fn('Cleanup'),
            verifyResource: fn('VerifyResource'),
            snapshotResource: fn('SnapshotResource'),
            changeResource: fn('ChangeResource'),
            memberApiCall: fn('MemberApiCall'),
          },
          alertTopic: new Topic(stack, 'OtherTopic', { masterKey: otherKey }),
          lockTable: table('Locks', key),
          approvalTable: table('Approvals', otherKey),
          encryptionKey: key,
          logRetention: 2 as RetentionDays,
          recreateTargets: [{ account: TEST_ACCOUNT, region: TEST_REGION, kmsKeyId: 'alias/notebooks' }],
        }),
    ).toThrow(
      [
        "Invalid RemediationWorkflow 'Workflow':",
        'logRetention 2 is not a CloudWatch Logs retention (one of RetentionDays)',
        'definitionOptions.recreate is missing: the approval-gated recreation is always deployed',
        'recreateTargets.0.kmsKeyId must be a key ARN or key id, not an alias: IAM authorizes kms:CreateGrant on the key, so the stack must know which key it is',
        'alertTopic is encrypted with another key than encryptionKey, the only key the roles may use',
        'approvalTable is encrypted with another key than encryptionKey, the only key the roles may use',
      ].join('\n'),
    );
  });
});

describe('FindingIntake', () => {
  it('lists every problem at once: no control in scope, no custom action, retry policy out of bounds', () => {
    const { stack, key, fn, stateMachine } = fixtures();
    expect(
      () =>
        new FindingIntake(stack, 'Intake', {
          stateMachine,
          modes: ALL_OFF,
          customActionFunction: fn('CustomAction'),
          customActionArns: [],
          encryptionKey: key,
          logRetention: RetentionDays.ONE_DAY,
          concurrencyPerAccountRegion: 10,
          retryAttempts: 186,
          maxEventAge: Duration.seconds(30),
        }),
    ).toThrow(
      [
        "Invalid FindingIntake 'Intake':",
        'modes switches every control off: the finding rule would match no finding',
        'customActionArns is empty: the custom-action rule would match no event',
        'retryAttempts must be a whole number from 0 to 185, not 186',
        'maxEventAge must be a whole number of seconds from 60 to 86400, not 30',
      ].join('\n'),
    );
  });
});

describe('RemediationAlarms', () => {
  it('lists every problem at once: a period that is not whole minutes, an imported topic', () => {
    const { stack, fn, stateMachine } = fixtures();
    const lambda = fn('Fn');
    expect(
      () =>
        new RemediationAlarms(stack, 'Alarms', {
          alertTopic: Topic.fromTopicArn(
            stack,
            'Imported',
            `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:alerts`,
          ),
          stateMachine,
          deadLetterQueue: new Queue(stack, 'Queue'),
          customActionFailureQueue: new Queue(stack, 'FailureQueue'),
          functions: {
            planRemediation: lambda,
            reportFailure: lambda,
            snapshotNotebook: lambda,
            verifyRecreation: lambda,
            verifyResource: lambda,
            snapshotResource: lambda,
            changeResource: lambda,
            planCleanup: lambda,
            customAction: lambda,
          },
          period: Duration.seconds(90),
        }),
    ).toThrow(
      [
        "Invalid RemediationAlarms 'Alarms':",
        'period must be a whole number of minutes',
        'alertTopic is an imported topic: its policy cannot be given the CloudWatch alarms statement',
      ].join('\n'),
    );
  });
});
