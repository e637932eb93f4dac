/**
 * Which member Tasks Step Functions makes itself and which go through the member-api-call function:
 * every Task whose request is a whole state field always does (its Credentials path would be read from
 * an input the AWS documentation does not pin down), and with linked Regions every member Task gets a
 * Choice between the two, by the resource's Region.
 */
import { describe, expect, it } from 'vitest';
import {
  parseSdkIntegration,
  type State,
  sdkIntegration,
  successorsOf,
  type TaskState,
} from '../../statemachines/amazon-states-language.js';
import {
  HOME_REGION_PLACEHOLDER,
  routedName,
  withMemberRouting,
} from '../../statemachines/member-api-routing.js';
import {
  isMemberApiCallTask,
  MEMBER_API_FUNCTION_PLACEHOLDER,
  MEMBER_ROLE_PATH,
  tasksRunBy,
} from '../../statemachines/member-credentials.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';
import { placeholder } from '../../statemachines/state-builders.js';

const recreate = { approvalTimeoutSeconds: 7 * 24 * 3600 };
const homeOnly = buildRemediationDefinition({ recreate });
const withLinkedRegions = buildRemediationDefinition({ recreate, linkedRegions: true });

const task = (state: State | undefined): TaskState => {
  if (state?.Type !== 'Task') throw new Error(`not a Task: ${JSON.stringify(state)}`);
  return state;
};

describe('member Tasks with a whole-object request', () => {
  it('Given the home Region only, When the definition is built, Then CreateNotebook asks the function with the snapshot request and the plan target, with no InputPath and no Credentials', () => {
    const createNotebook = task(homeOnly.States.CreateNotebook);

    expect(createNotebook.Resource).toBe(placeholder(MEMBER_API_FUNCTION_PLACEHOLDER));
    expect(createNotebook.Parameters).toEqual({
      service: 'sagemaker',
      action: 'createNotebookInstance',
      'target.$': '$.plan.target',
      'executionName.$': '$$.Execution.Name',
      'request.$': '$.snapshot.Payload.createRequest',
    });
    expect(createNotebook.InputPath).toBeUndefined();
    expect(createNotebook.Credentials).toBeUndefined();
    // Lambda's own transient errors are retried first, then the integration's, as before.
    expect(createNotebook.Retry?.[0]?.ErrorEquals).toContain('Lambda.TooManyRequestsException');
    expect(createNotebook.Retry?.[1]?.ErrorEquals).toEqual(['SageMaker.SageMakerException']);
    // And the function's own AssumeRole of the member role throttled is retried, not caught as a failure
    expect(createNotebook.Retry?.at(-1)?.ErrorEquals).toContain('Throttling');
  });

  it('Given any configuration, Then no Task of the definition combines Credentials with InputPath', () => {
    for (const definition of [homeOnly, withLinkedRegions]) {
      const offending = Object.entries(definition.States).filter(
        ([, state]) =>
          state.Type === 'Task' && state.Credentials !== undefined && state.InputPath !== undefined,
      );
      expect(offending.map(([name]) => name)).toEqual([]);
    }
  });

  it('Given a routed Task, When the member role permissions are derived, Then it counts as the integration it stands for, run as the member role', () => {
    const asMember = tasksRunBy(homeOnly, 'member').States;
    const asStateMachine = tasksRunBy(homeOnly, 'state-machine').States;

    expect(asMember.CreateNotebook).toEqual({
      Type: 'Task',
      Resource: sdkIntegration('sagemaker', 'createNotebookInstance'),
      Credentials: { 'RoleArn.$': MEMBER_ROLE_PATH },
      End: true,
    });
    // The state machine only invokes the function.
    expect(isMemberApiCallTask(task(asStateMachine.CreateNotebook))).toBe(true);
  });
});

describe('linked Regions', () => {
  it('Given no linked Regions, Then a member Task is left as Step Functions calls it, with no Choice before it', () => {
    const describe = task(homeOnly.States.DescribeNotebook);

    expect(parseSdkIntegration(describe.Resource)?.action).toBe('describeNotebookInstance');
    expect(describe.Credentials).toEqual({ 'RoleArn.$': MEMBER_ROLE_PATH });
    expect(homeOnly.States[routedName('DescribeNotebook', 'linked')]).toBeUndefined();
  });

  it('Given linked Regions, Then every member Task is behind a Choice on the target Region, the home variant unchanged and the linked one through the function', () => {
    const choice = withLinkedRegions.States.DescribeNotebook;
    expect(choice).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.plan.target.region', IsPresent: true },
            { Not: { Variable: '$.plan.target.region', StringEquals: placeholder(HOME_REGION_PLACEHOLDER) } },
          ],
          Next: 'DescribeNotebookInLinkedRegion',
        },
      ],
      Default: 'DescribeNotebookInHomeRegion',
    });
    expect(withLinkedRegions.States.DescribeNotebookInHomeRegion).toEqual(homeOnly.States.DescribeNotebook);
    const linked = task(withLinkedRegions.States.DescribeNotebookInLinkedRegion);
    const home = task(homeOnly.States.DescribeNotebook);
    expect(linked.Parameters).toEqual({
      service: 'sagemaker',
      action: 'describeNotebookInstance',
      'target.$': '$.plan.target',
      'executionName.$': '$$.Execution.Name',
      request: home.Parameters,
    });
    // The same result handling and transitions: the rest of the definition cannot tell them apart.
    expect(linked.ResultSelector).toEqual(home.ResultSelector);
    expect(linked.ResultPath).toEqual(home.ResultPath);
    expect(linked.Catch).toEqual(home.Catch);
    expect(successorsOf(linked)).toEqual(successorsOf(home));
  });

  it('Given linked Regions, Then no member Task is left without its Choice, and the states added are two per member Task', () => {
    const memberTasks = Object.entries(homeOnly.States).filter(
      ([, state]) => state.Type === 'Task' && state.Credentials !== undefined,
    );
    for (const [name] of memberTasks) {
      expect(withLinkedRegions.States[name]?.Type, name).toBe('Choice');
    }
    expect(Object.keys(withLinkedRegions.States).length).toBe(
      Object.keys(homeOnly.States).length + 2 * memberTasks.length,
    );
  });

  it('Given a member Task whose call the function does not make, When it is routed, Then the build fails naming the Task and the call', () => {
    const definition = {
      StartAt: 'TagNotebook',
      States: {
        TagNotebook: {
          Type: 'Task' as const,
          Resource: sdkIntegration('sagemaker', 'deleteTags'),
          Parameters: {},
          Credentials: { 'RoleArn.$': MEMBER_ROLE_PATH },
          End: true as const,
        },
      },
    };

    expect(() => withMemberRouting(definition, { linkedRegions: true })).toThrow(
      'TagNotebook: member-api-call does not make sagemaker:deleteTags',
    );
  });
});
