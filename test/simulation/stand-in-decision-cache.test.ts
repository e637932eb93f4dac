/**
 * The stand-in CLI's IAM check keeps its decisions per IAM context (simulation/fake-aws/aws, authorize();
 * the context is named by notebook-host.ts): the same call is decided once, but never answered from a
 * decision taken under other policies, or at another time when a policy reads the time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const ROLE_NAME = 'AmazonSageMaker-ExecutionRole-20261101T000000';
/** A bucket the typical notebook role may write (its name holds "sagemaker"), but not list. */
const BUCKET = 'sagemaker-notes-111122223333';

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** A stopped notebook whose OnStart runs `script` as its role, with the stand-in CLI. */
function givenNotebookRunning(script: string) {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  account.sagemaker.seedLifecycleConfig({ name: 'script', onStart: script });
  account.sagemaker.seedNotebook({
    name: 'research',
    status: 'Stopped',
    lifecycleConfigName: 'script',
    files: { 'notes.txt': 'my notes' },
  });
  return account;
}

/** Starts the notebook and lets its start end; returns its status and the OnStart run. */
function start(account: SimulatedAccount) {
  account.sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
  account.clock.advance(180 * SECOND);
  const status = account.sagemaker.statusOf('research');
  return { status, run: account.sagemaker.lifecycleRuns('research').at(-1) };
}

function stop(account: SimulatedAccount): void {
  account.sagemaker.stopNotebookInstance({ NotebookInstanceName: 'research' });
  account.clock.advance(10 * MINUTE);
  expect(account.sagemaker.statusOf('research')).toBe('Stopped');
}

const COPY = `aws s3 cp "$SAGEMAKER_VOLUME/notes.txt" "s3://${BUCKET}/copied/notes.txt"`;

const putDecisions = (account: SimulatedAccount) =>
  account.authorizations
    .filter((entry) => entry.caller.sessionName === 'SageMaker' && entry.action === 's3:PutObject')
    .map((entry) => entry.decision);

describe('the stand-in CLI’s decisions', () => {
  it('Given a copy the role was allowed, When a policy denying it is added and the notebook starts again, Then the same copy is denied, not answered from the earlier decision', () => {
    // Given
    const account = givenNotebookRunning(COPY);
    expect(start(account).status).toBe('InService');
    stop(account);

    // When
    account.iam.putRolePolicy(ROLE_NAME, {
      name: 'deny-put',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }],
      },
    });
    const second = start(account);

    // Then
    expect(second.status).toBe('Failed');
    expect(second.run?.output).toContain(
      'An error occurred (AccessDenied) when calling the PutObject operation',
    );
    expect(putDecisions(account)).toEqual(['Allowed', 'ExplicitlyDenied']);
  });

  it('Given a policy denying the copy after a date, When the notebook starts before and after it, Then the first copy is allowed and the second denied', () => {
    // Given
    const account = givenNotebookRunning(COPY);
    const cutoff = new Date(account.clock.now().getTime() + 60 * MINUTE).toISOString();
    account.iam.putRolePolicy(ROLE_NAME, {
      name: 'deny-put-later',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: 's3:PutObject',
            Resource: '*',
            Condition: { DateGreaterThan: { 'aws:CurrentTime': cutoff } },
          },
        ],
      },
    });

    // When
    const before = start(account);
    stop(account);
    account.clock.advance(60 * MINUTE);
    const after = start(account);

    // Then
    expect([before.status, after.status]).toEqual(['InService', 'Failed']);
    expect(putDecisions(account)).toEqual(['Allowed', 'ExplicitlyDenied']);
  });

  it('Given a role that may not list the bucket, When a script lists it twice (the second from the kept decision), Then both exit 254 with AccessDenied, as the CLI’s s3api does', () => {
    // Given
    const list = `aws s3api list-objects-v2 --bucket ${BUCKET} --prefix copied/ --query 'Contents[].Key' --output text`;
    const account = givenNotebookRunning(`${list}; echo "first exit $?"; ${list}; echo "second exit $?"`);

    // When
    const { status, run } = start(account);

    // Then
    expect(status).toBe('InService');
    expect(run?.output).toContain('first exit 254');
    expect(run?.output).toContain('second exit 254');
    expect(run?.output).toContain(
      'An error occurred (AccessDenied) when calling the ListObjectsV2 operation',
    );
  });
});
