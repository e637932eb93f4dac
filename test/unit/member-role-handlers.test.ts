/**
 * The Lambdas after planning act on the resource as the member role of the plan's target, in a
 * session named after the execution; a role that cannot be assumed fails the step before anything is
 * held or changed (the state machine's failure handling reports it).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { createChangeResourceHandler } from '../../handlers/change-resource.js';
import { cleanupTargetOf } from '../../handlers/plan-cleanup.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { MemberRoleUnavailable, memberRoleArn } from '../../handlers/shared/member-access.js';
import type { DocumentClient } from '../../handlers/shared/notebook-locks.js';
import {
  RESOURCE_SNAPSHOT_VERSION,
  type ResourceSnapshot,
  resourceSnapshotDigest,
  serialiseResourceSnapshot,
} from '../../handlers/shared/resource-snapshot.js';
import { createSnapshotResourceHandler } from '../../handlers/snapshot-resource.js';
import { createVerifyHandler } from '../../handlers/verify-recreation.js';
import { createVerifyResourceHandler } from '../../handlers/verify-resource.js';
import { rejectionOf } from './caught-errors.js';
import { failingMembers, fakeMembers } from './member-fixtures.js';
import { EXECUTION, recreationSettings } from './runtime-settings-fixture.js';
import {
  disposeAccounts,
  exposedNotebookAccount,
  lockHolder,
  memberClientsOf,
  REQUEST,
  snapshotHandler,
} from './snapshot-fixtures.js';

afterEach(disposeAccounts);

/** A member account in another Region than the deployment (111122223333, eu-west-1). */
const TARGET = { accountId: '444455556666', region: 'us-east-1' };
const MEMBERS = { roleName: 'SageMakerRemediationMember', stackSetName: 'sagemaker-remediation-members' };
const settings = recreationSettings();
const SCHEDULE_ARN = 'arn:aws:sagemaker:us-east-1:444455556666:monitoring-schedule/churn-data-quality';

function roleMissing(): MemberRoleUnavailable {
  return new MemberRoleUnavailable(
    TARGET,
    memberRoleArn(MEMBERS, TARGET),
    MEMBERS.stackSetName,
    'AccessDenied',
  );
}

/** A SageMaker client that records every command's name and answers `answer` (or throws it). */
function recordingSageMaker(answer: (command: string) => unknown = () => ({})) {
  const commands: string[] = [];
  const client = {
    async send(command: { constructor: { name: string } }) {
      commands.push(command.constructor.name);
      const result = answer(command.constructor.name);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as Pick<SageMakerClient, 'send'>;
  return { client, commands };
}

/** An S3 client that serves `text` for every GetObject and records the calls. */
function s3Serving(text: string) {
  const calls: string[] = [];
  const client = {
    async send(command: { constructor: { name: string } }) {
      calls.push(command.constructor.name);
      return { Body: { transformToString: async () => text } };
    },
  } as unknown as Pick<S3Client, 'send'>;
  return { client, calls };
}

/** A document client that fails the test if the handler touches the lock table. */
const untouchedTable = {
  async send() {
    throw new Error('the lock table must not be touched');
  },
} as unknown as DocumentClient;

const scheduleSnapshot: ResourceSnapshot = {
  version: RESOURCE_SNAPSHOT_VERSION,
  kind: 'monitoring-schedule',
  arn: SCHEDULE_ARN,
  name: 'Churn-Data-Quality',
  takenAt: '2026-11-23T09:05:00.000Z',
  executionArn: EXECUTION.id,
  fixes: ['SageMaker.14', 'SageMaker.22'],
  description: {
    MonitoringScheduleName: 'Churn-Data-Quality',
    MonitoringScheduleStatus: 'Scheduled',
    MonitoringScheduleConfig: {
      ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      MonitoringJobDefinition: {
        RoleArn: 'arn:aws:iam::444455556666:role/monitoring',
        NetworkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
      },
      MonitoringType: 'DataQuality',
    },
  },
  tags: [],
  related: {},
};
const snapshotText = serialiseResourceSnapshot(scheduleSnapshot);
const changeRequest = {
  step: 'apply',
  snapshot: {
    snapshotKey: `resources/monitoring-schedule/Churn-Data-Quality/20261123T090500Z-${EXECUTION.name}/snapshot.json`,
    digest: resourceSnapshotDigest(snapshotText),
  },
  target: { ...TARGET, roleArn: memberRoleArn(MEMBERS, TARGET) },
  executionName: EXECUTION.name,
};

describe('ChangeResource as the member role', () => {
  it("Given a verified snapshot of a member account's schedule, When the change is applied, Then its SageMaker calls go through the member session of the request's target, named after the execution", async () => {
    // Given
    const sagemaker = recordingSageMaker();
    const members = fakeMembers({ sagemaker: sagemaker.client });
    const change = createChangeResourceHandler({
      members,
      s3: s3Serving(snapshotText).client,
      settings,
      logger: silentLogger,
    });

    // When
    const result = await change(changeRequest);

    // Then
    expect(members.requests).toEqual([{ target: TARGET, executionName: EXECUTION.name }]);
    expect(result.operations.length).toBeGreaterThan(0);
    expect(sagemaker.commands).toHaveLength(result.operations.length);
  });

  it('Given the member role cannot be assumed, When the change is applied, Then MemberRoleUnavailable surfaces naming the StackSet to deploy', async () => {
    // Given
    const change = createChangeResourceHandler({
      members: failingMembers(roleMissing()),
      s3: s3Serving(snapshotText).client,
      settings,
      logger: silentLogger,
    });

    // When
    const error = await rejectionOf(change(changeRequest), MemberRoleUnavailable);

    // Then
    expect(error.message).toContain('sagemaker-remediation-members');
  });

  it('Given a request without the target (a state machine from before member roles), When it runs, Then it is refused before any call', async () => {
    // Given
    const s3 = s3Serving(snapshotText);
    const members = fakeMembers({ sagemaker: recordingSageMaker().client });
    const change = createChangeResourceHandler({ members, s3: s3.client, settings, logger: silentLogger });
    const { target: _target, ...withoutTarget } = changeRequest;

    // When
    const error = await rejectionOf(change(withoutTarget));

    // Then
    expect(error.message).toContain('request.target');
    expect(s3.calls).toEqual([]);
    expect(members.requests).toEqual([]);
  });
});

describe('VerifyResource as the member role', () => {
  it("Given the resource is gone from the member account, When it is verified, Then it is read through the member session of the request's target and reported gone", async () => {
    // Given
    const notFound = Object.assign(new Error('Monitoring schedule not found'), { name: 'ResourceNotFound' });
    const sagemaker = recordingSageMaker(() => notFound);
    const members = fakeMembers({ sagemaker: sagemaker.client });
    const verify = createVerifyResourceHandler({ members, settings, logger: silentLogger });

    // When
    const result = await verify({
      resource: {
        kind: 'monitoring-schedule',
        name: 'Churn-Data-Quality',
        arn: SCHEDULE_ARN,
        fixes: ['SageMaker.14'],
      },
      target: TARGET,
      executionName: EXECUTION.name,
    });

    // Then
    expect(result).toEqual({ passes: false, failing: [], gone: true });
    expect(members.requests).toEqual([{ target: TARGET, executionName: EXECUTION.name }]);
    expect(sagemaker.commands).toEqual(['DescribeMonitoringScheduleCommand']);
  });
});

describe('SnapshotResource as the member role', () => {
  it('Given the member role cannot be assumed, When the approved change is prepared, Then MemberRoleUnavailable surfaces before the lock is taken', async () => {
    // Given
    const snapshot = createSnapshotResourceHandler({
      members: failingMembers(roleMissing()),
      dynamodb: untouchedTable,
      s3: s3Serving('').client,
      settings,
      now: () => new Date(EXECUTION.startTime),
      logger: silentLogger,
    });

    // When
    const error = await rejectionOf(
      snapshot({
        plan: {
          controlId: 'SageMaker.14',
          remediation: 'update-monitoring-schedule',
          finding: { id: 'finding-1' },
          lock: { key: SCHEDULE_ARN },
          resource: {
            kind: 'monitoring-schedule',
            name: 'Churn-Data-Quality',
            arn: SCHEDULE_ARN,
            fixes: ['SageMaker.14'],
          },
          target: TARGET,
        },
        execution: { id: EXECUTION.id, name: EXECUTION.name },
      }),
      MemberRoleUnavailable,
    );

    // Then
    expect(error.target).toEqual(TARGET);
  });
});

describe('SnapshotNotebook as the member role', () => {
  it("Given an approved recreation, When it is prepared, Then the notebook and its role are read through the member session of the plan's target, named after the execution", async () => {
    // Given
    const account = exposedNotebookAccount();
    const members = memberClientsOf(account);

    // When
    await snapshotHandler(account, { members })(REQUEST);

    // Then
    expect(members.requests).toEqual([
      { target: { accountId: '111122223333', region: 'eu-west-1' }, executionName: EXECUTION.name },
    ]);
  });

  it('Given the member role cannot be assumed, When the recreation is prepared, Then MemberRoleUnavailable surfaces and the notebook is neither locked nor read', async () => {
    // Given
    const account = exposedNotebookAccount();

    // When
    await rejectionOf(
      snapshotHandler(account, { members: failingMembers(roleMissing()) })(REQUEST),
      MemberRoleUnavailable,
    );

    // Then
    expect(lockHolder(account)).toBeUndefined();
    expect(account.callsTo('SageMaker')).toEqual([]);
  });
});

describe('VerifyRecreation as the member role', () => {
  it("Given the member role cannot be assumed, When the recreated notebook is verified, Then MemberRoleUnavailable surfaces: the snapshot, in the data bucket of the notebook's account, is read through that session only", async () => {
    // Given
    const verify = createVerifyHandler({
      members: failingMembers(roleMissing()),
      settings,
      logger: silentLogger,
    });

    // When
    const error = await rejectionOf(
      verify({
        plan: { notebook: { name: 'Research-Notebook', arn: 'arn' }, target: TARGET },
        snapshot: {
          snapshotPrefix: 'roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090000Z-run-1',
          configurationKey: 'configuration.json',
          restoreAttempt: EXECUTION.name,
          configurationDigest: '0'.repeat(64),
          keepData: true,
        },
        execution: { id: EXECUTION.id, name: EXECUTION.name },
      }),
      MemberRoleUnavailable,
    );

    // Then
    expect(error.target).toEqual(TARGET);
  });
});

describe('PlanCleanup: where the dead execution acted', () => {
  const plan = {
    action: 'remediate',
    remediation: 'recreate-notebook',
    controlId: 'SageMaker.1',
    notebook: {
      name: 'Research-Notebook',
      arn: 'arn:aws:sagemaker:ap-southeast-2:777788889999:notebook-instance/research-notebook',
    },
    finding: { id: 'finding-1', productArn: 'product' },
    lock: { key: 'lock' },
  };

  it("Given a dead execution's plan with a target, When its clean-up looks at the notebook, Then it acts in the plan's target", () => {
    expect(cleanupTargetOf({ ...plan, target: { ...TARGET, roleArn: 'role' } })).toEqual(TARGET);
  });

  it('Given a plan from before targets existed, When its clean-up looks at the notebook, Then it acts in the account and Region of the notebook ARN', () => {
    expect(cleanupTargetOf(plan)).toEqual({ accountId: '777788889999', region: 'ap-southeast-2' });
  });
});
