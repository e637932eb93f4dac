import { describe, expect, it } from 'vitest';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import { stopWhenSageMakerCalled } from '../../simulation/runner/operator-stop.js';
import {
  alertOutcomes,
  alerts,
  deniedCalls,
  findingNow,
  givenDeployment,
  onlyExecution,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

const REQUIRED = { configuration: { requiredTags: { owner: 'ml-platform', 'cost-center': '4711' } } };

function tagsOf(deployment: ReturnType<typeof givenDeployment>, arn: string) {
  return deployment.account.sagemaker.listTags({ ResourceArn: arn }).Tags;
}

describe('SageMaker.6 and .7: required tags added in place, automatically', () => {
  it('Given an image with no tags and required tags configured, When its SageMaker.7 finding is imported, Then the tags are added, verified and the finding RESOLVED', async () => {
    // Given
    const deployment = givenDeployment(REQUIRED);
    const arn = deployment.account.sagemaker.monitoring.seedImage({ name: 'Team-Image' });
    const finding = resourceControlFinding({ controlId: 'SageMaker.7', resourceName: 'Team-Image' });

    // When
    const execution = onlyExecution(await whenImported(deployment, finding));

    // Then
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toEqual([
      'PlanRemediation',
      'DecideNextStep',
      'AddRequiredTags',
      'VerifyResource',
      'DecideResourceVerified',
      'ResolveResourceFindings',
      'CheckResourceFindingsResolved',
      'PublishResourceResolved',
      'ResourceRemediated',
    ]);
    expect(tagsOf(deployment, arn)).toEqual([
      { Key: 'owner', Value: 'ml-platform' },
      { Key: 'cost-center', Value: '4711' },
    ]);
    const resolved = findingNow(deployment, finding);
    expect(resolved.Workflow?.Status).toBe('RESOLVED');
    expect(resolved.Note?.Text).toBe(
      `Remediated by ${execution.name}: added the tags owner=ml-platform, cost-center=4711 on Team-Image (image), verified: it now passes ["SageMaker.7"].`,
    );
    expect(alertOutcomes(deployment)).toEqual(['RESOLVED']);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given an app image configuration with other tags, When its SageMaker.6 finding is imported, Then only the missing required tags are added and the others kept', async () => {
    const deployment = givenDeployment(REQUIRED);
    const arn = deployment.account.sagemaker.monitoring.seedAppImageConfig({
      name: 'kernel-config',
      tags: [
        { Key: 'owner', Value: 'ml-platform' },
        { Key: 'team', Value: 'vision' },
      ],
    });
    const finding = resourceControlFinding({ controlId: 'SageMaker.6', resourceName: 'kernel-config' });

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    const addTags = deployment.account.callsTo('SageMaker', 'AddTags');
    expect(addTags.map((call) => call.input)).toEqual([
      { ResourceArn: arn, Tags: [{ Key: 'cost-center', Value: '4711' }] },
    ]);
    expect(tagsOf(deployment, arn)).toEqual([
      { Key: 'owner', Value: 'ml-platform' },
      { Key: 'team', Value: 'vision' },
      { Key: 'cost-center', Value: '4711' },
    ]);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });

  it('Given the legacy per-standard finding of an untagged image (no Details, its own GeneratorId), When imported, Then it is routed on its control id and ARN and fixed alike', async () => {
    const deployment = givenDeployment(REQUIRED);
    const arn = deployment.account.sagemaker.monitoring.seedImage({ name: 'Team-Image' });
    const finding = resourceControlFinding({
      controlId: 'SageMaker.7',
      resourceName: 'Team-Image',
      style: 'legacy',
    });
    expect(finding.GeneratorId).toBe('aws-foundational-security-best-practices/v/1.0.0/SageMaker.7');

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(tagsOf(deployment, arn).map((tag) => tag.Key)).toEqual(['owner', 'cost-center']);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });

  it('Given no required tags in the configuration, When an untagged image is found, Then nothing changes and the finding says what to configure', async () => {
    const deployment = givenDeployment();
    deployment.account.sagemaker.monitoring.seedImage({ name: 'Team-Image' });
    const finding = resourceControlFinding({ controlId: 'SageMaker.7', resourceName: 'Team-Image' });

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(statesOf(execution)).toContain('AnnotateFinding');
    expect(deployment.account.callsTo('SageMaker', 'AddTags')).toEqual([]);
    const annotated = findingNow(deployment, finding);
    expect(annotated.Workflow?.Status).toBe('NOTIFIED');
    expect(annotated.Note?.Text).toContain(
      'names no required tags to add (requiredTags in its configuration)',
    );
    expect(alertOutcomes(deployment)).toEqual(['NEEDS_CONFIGURATION']);
  });

  it('Given the image was deleted before the finding arrived, When it is imported, Then the finding says the resource is gone and no execution fails', async () => {
    const deployment = givenDeployment(REQUIRED);
    // (the ARN lowercases the name, and nothing else is left to read the real one from)
    const finding = resourceControlFinding({ controlId: 'SageMaker.7', resourceName: 'Deleted-Image' });

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(findingNow(deployment, finding).Note?.Text).toBe(
      'The image deleted-image no longer exists, so there is nothing to remediate. Nothing was changed; Security Hub archives the finding once it notices.',
    );
    expect(alertOutcomes(deployment)).toEqual(['RESOURCE_GONE']);
  });

  it('Given AddTags is refused, When the fix runs, Then the finding is NOTIFIED with the error and what to do, and the alert says FAILED', async () => {
    const deployment = givenDeployment(REQUIRED);
    deployment.account.sagemaker.monitoring.seedImage({ name: 'Team-Image' });
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'AddTags',
      code: 'ValidationException',
      message: 'Too many tags: a resource can have at most 50 user tags (51 requested).',
      // Step Functions sees it as the generic SageMakerException, which the task retries five times.
      times: 6,
    });
    const finding = resourceControlFinding({ controlId: 'SageMaker.7', resourceName: 'Team-Image' });

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('FAILED');
    expect(statesOf(execution).slice(-6)).toEqual([
      'ReportResourceFailure',
      'DecideResourceFailureNote',
      'AnnotateResourceFailure',
      'PublishResourceFailureAlert',
      'DecideResourceFailureEnd',
      'ResourceRemediationFailed',
    ]);
    const annotated = findingNow(deployment, finding);
    expect(annotated.Workflow?.Status).toBe('NOTIFIED');
    expect(annotated.Note?.Text).toContain('Remediation of SageMaker.7 on image Team-Image failed');
    expect(annotated.Note?.Text).toContain('Too many tags');
    expect(alertOutcomes(deployment)).toEqual(['FAILED']);
    expect(alerts(deployment)[0]?.Message).toContain(
      'What to do: Add the tags your organisation requires to image Team-Image',
    );
  });

  it('Given an operator stops the execution as it adds the tags, When the clean-up runs, Then the finding says where it stopped and what to do', async () => {
    const deployment = givenDeployment(REQUIRED);
    deployment.account.sagemaker.monitoring.seedImage({ name: 'Team-Image' });
    stopWhenSageMakerCalled(deployment, 'AddTags');
    const finding = resourceControlFinding({ controlId: 'SageMaker.7', resourceName: 'Team-Image' });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    const cleanUp = executions[1];
    expect(cleanUp && statesOf(cleanUp)).toEqual([
      'PlanCleanup',
      'DecideCleanUp',
      'ReportResourceFailure',
      'DecideResourceFailureNote',
      'AnnotateResourceFailure',
      'PublishResourceFailureAlert',
      'DecideResourceFailureEnd',
      'ResourceCleanUpDone',
    ]);
    const told = findingNow(deployment, finding);
    expect(told.Workflow?.Status).toBe('NOTIFIED');
    expect(told.Note?.Text).toContain('Remediation of SageMaker.7 on image Team-Image failed');
    expect(told.Note?.Text).toContain('was stopped');
    expect(alertOutcomes(deployment)).toEqual(['FAILED']);
  });
});
