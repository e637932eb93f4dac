/**
 * SageMaker.4's roll-back, verified: after a failure the endpoints moved to the copy are moved back,
 * and the workflow says the configuration was put back only once it has seen each endpoint InService
 * on its old configuration; an endpoint not seen back leaves the copy in place and the finding gives
 * the restore command instead. A failed UpdateEndpoint, as the API reference describes it, leaves the
 * endpoint InService on the old configuration with a FailureReason (RollingBack is for capacity changes).
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { replacementName } from '../../handlers/shared/changes/endpoint-replacement.js';
import type { SimulatedService } from '../../simulation/account/errors.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/running-execution.js';
import {
  CONFIG,
  ENDPOINTS,
  endpointConfigNames,
  endpointConfigNow,
  endpointNow,
  findingOn,
  givenServingEndpoints,
  importedThenClicked,
} from './endpoint-fixtures.js';
import { alertOutcomes, alerts, findingNow, lockItems, statesOf } from './workflow-fixtures.js';

function copyName(deployment: LocalDeployment): string {
  const described = endpointConfigNow(deployment, CONFIG);
  if (!described) throw new Error(`${CONFIG} is gone`);
  return replacementName('replace-endpoint-config', CONFIG, described);
}

async function approvedRun(deployment: LocalDeployment, finding: AwsSecurityFinding) {
  const executions = await importedThenClicked(deployment, finding, 'approve');
  const run = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
  if (!run) throw new Error('no execution took a snapshot');
  return run;
}

/** What each DescribeEndpoint of a watching pass saw, in order: `<endpoint> <status> <config>`. */
function seenBy(run: ExecutionRecord, pass: string): string[] {
  return run.history.flatMap((entry) => {
    const exited = entry.stateExitedEventDetails;
    if (exited?.name !== `Describe${pass}`) return [];
    const output = JSON.parse(exited.output) as {
      watchedEndpoint: { item: { endpoint: string } };
      endpointNow: { status: string; config: string };
    };
    return [
      `${output.watchedEndpoint.item.endpoint} ${output.endpointNow.status} ${output.endpointNow.config}`,
    ];
  });
}

/** When the old configuration cannot be retired, `then` runs (once): a fault of the move back. */
function whenRetiring(deployment: LocalDeployment, then: () => void): void {
  const { faults } = deployment.account;
  faults.failNext({
    service: 'SageMaker',
    operation: 'DeleteEndpointConfig',
    code: 'ResourceLimitExceeded',
    resourceName: CONFIG,
  });
  const check = faults.check.bind(faults);
  let fired = false;
  faults.check = (service: SimulatedService, operation: string, input: unknown) => {
    if (!fired && service === 'SageMaker' && operation === 'DeleteEndpointConfig') {
      fired = true;
      then();
    }
    return check(service, operation, input);
  };
}

describe('SageMaker.4: the endpoints moved back after a failure, watched', () => {
  it('Given the update of one endpoint fails, Then SageMaker keeps it InService on the old configuration (never RollingBack), the run records the failed update and the other endpoint is moved back and seen there', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.sagemaker.inference.failNextUpdate(
      ENDPOINTS[0],
      'Model container failed the ping health check',
    );
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    const moved = seenBy(run, 'MovedEndpoint');
    expect(moved).toContain(`${ENDPOINTS[0]} Updating ${CONFIG}`);
    expect(moved.at(-1)).toBe(`${ENDPOINTS[0]} InService ${CONFIG}`);
    expect(moved.join('\n')).not.toContain('RollingBack');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['RecordMovedEndpointRolledBack', 'MoveEndpointsBack']),
    );
    // Both endpoints seen InService on the old configuration before "put back"
    const back = seenBy(run, 'MovedBackEndpoint');
    for (const name of ENDPOINTS) expect(back).toContain(`${name} InService ${CONFIG}`);
    expect(statesOf(run)).toContain('RollBackResourceChange');
    expect(endpointConfigNames(deployment)).toEqual([CONFIG]);
    expect(endpointConfigNow(deployment, copy)).toBeUndefined();
    const note = findingNow(deployment, finding).Note?.Text ?? '';
    expect(note).toContain('EndpointUpdateRolledBack');
    expect(note).toContain('Its definition was put back from the snapshot');
    expect(alerts(deployment).at(-1)?.Message).toContain(
      `SageMaker kept the old configuration ${CONFIG} serving`,
    );
  });

  it('Given the old configuration cannot be retired, When the moved endpoints go from Updating straight to InService on it, Then the roll-back waits for that and says it was put back', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    whenRetiring(deployment, () => undefined);
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    const back = seenBy(run, 'MovedBackEndpoint');
    // Updating (DescribeEndpoint names the configuration still deployed), then InService on the old one
    expect(back[0]).toBe(`${ENDPOINTS[0]} Updating ${copy}`);
    for (const name of ENDPOINTS) expect(back).toContain(`${name} InService ${CONFIG}`);
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['WaitForMovedBackEndpoint', 'RollBackResourceChange', 'ReportFailure']),
    );
    for (const name of ENDPOINTS) {
      expect(endpointNow(deployment, name)).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: CONFIG,
      });
    }
    expect(endpointConfigNow(deployment, copy)).toBeUndefined();
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      'Its definition was put back from the snapshot',
    );
  });

  it('Given an endpoint whose move back fails too (it stays on the copy), Then nothing says put back: the copy is kept and the finding and the alert give the restore command', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    whenRetiring(deployment, () =>
      deployment.account.sagemaker.inference.failNextUpdate(
        ENDPOINTS[0],
        'Insufficient capacity for ml.m5.large',
      ),
    );
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(seenBy(run, 'MovedBackEndpoint').at(-1)).toBe(`${ENDPOINTS[0]} InService ${copy}`);
    expect(statesOf(run)).toContain('RecordMovedBackEndpointNotMoved');
    expect(statesOf(run)).not.toContain('RollBackResourceChange');
    // The copy still serves that endpoint: nothing deleted under it
    expect(endpointNow(deployment, ENDPOINTS[0])).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: copy,
    });
    expect(endpointConfigNow(deployment, copy)).toBeDefined();
    expect(endpointConfigNow(deployment, CONFIG)).toBeDefined();
    const note = findingNow(deployment, finding).Note?.Text ?? '';
    expect(note).not.toContain('put back from the snapshot');
    expect(note).toMatch(
      /failed and may have left it changed\. Put it back with: npx tsx bin\/restore-resource\.ts --snapshot s3:\/\/\S+\/snapshot\.json/,
    );
    expect(note).toContain(
      `why: endpoint ${ENDPOINTS[0]} is InService on configuration ${copy}, not on ${CONFIG}`,
    );
    expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
    expect(alerts(deployment).at(-1)?.Message).toContain('Restore command: npx tsx bin/restore-resource.ts');
    expect(lockItems(deployment)).toEqual([]);
  });
});
