/**
 * The demo's cases beside notebooks, from the control modules: each seeds a failing resource into the
 * simulated account, names the findings Security Hub imports and when a security engineer approves, and
 * checks the end state. The lessons' cases: a monitoring schedule without network isolation (SageMaker.14,
 * fixed in place after approval, with .22 in the same plan), and a data quality job definition without
 * network isolation (SageMaker.11, recreated after approval with .9 in the same plan, the schedule that
 * runs it moved to the new one), and an endpoint rolled to two instances (SageMaker.4, a new configuration
and UpdateEndpoint after approval).
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { SimulatedAccount } from '../simulation/account/account.js';
import { resourceControlFinding } from '../simulation/account/sample-findings.js';
import { seedFailingResource } from '../simulation/scenarios/failing-resources.js';

export interface DemoResourceCase {
  /** The resource, as the findings name it. */
  readonly name: string;
  readonly findings: ReadonlyArray<{ readonly why: string; readonly finding: AwsSecurityFinding }>;
  /** Minutes after the import when a security engineer approves (on the first finding). */
  readonly approveAfterMinutes?: number;
  /** One line of what the resource looks like now. */
  describeNow(account: SimulatedAccount): string;
  /** Whether it ended as it should, and the line that says so. */
  check(account: SimulatedAccount): { readonly ok: boolean; readonly line: string };
}

const findingStatus = (account: SimulatedAccount, finding: AwsSecurityFinding) =>
  account.securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status;

function scheduleNetwork(account: SimulatedAccount, name: string) {
  const schedule = account.sagemaker.operations().DescribeMonitoringSchedule?.({
    MonitoringScheduleName: name,
  }) as {
    MonitoringScheduleStatus: string;
    MonitoringScheduleConfig: { MonitoringJobDefinition?: { NetworkConfig?: Record<string, boolean> } };
  };
  return {
    status: schedule.MonitoringScheduleStatus,
    network: schedule.MonitoringScheduleConfig.MonitoringJobDefinition?.NetworkConfig ?? {},
  };
}

/** Seeds the cases' resources and returns them (the account before the stack acts). */
export function seedDemoResourceCases(account: SimulatedAccount, where: { account: string; region: string }) {
  const schedule = 'churn-data-quality';
  seedFailingResource(account, 'SageMaker.14', schedule);
  const scheduleFinding = (controlId: string) =>
    resourceControlFinding({
      controlId,
      resourceName: schedule,
      account: where.account,
      region: where.region,
    });
  const cases: DemoResourceCase[] = [
    {
      name: schedule,
      findings: [
        { why: 'monitoring job without network isolation', finding: scheduleFinding('SageMaker.14') },
        { why: 'the same job without inter-container encryption', finding: scheduleFinding('SageMaker.22') },
      ],
      approveAfterMinutes: 25,
      describeNow: (acc) => {
        const { status, network } = scheduleNetwork(acc, schedule);
        return `${schedule.padEnd(20)} ${status.padEnd(10)} EnableNetworkIsolation ${network.EnableNetworkIsolation} EnableInterContainerTrafficEncryption ${network.EnableInterContainerTrafficEncryption}`;
      },
      check: (acc) => {
        const { status, network } = scheduleNetwork(acc, schedule);
        const ok =
          status === 'Scheduled' &&
          network.EnableNetworkIsolation === true &&
          network.EnableInterContainerTrafficEncryption === true &&
          cases[0]?.findings.every(({ finding }) => findingStatus(acc, finding) === 'RESOLVED') === true;
        return {
          ok,
          line: ok
            ? `${schedule}: one plan for SageMaker.14 and .22, approved, snapshotted, UpdateMonitoringSchedule with isolation and encryption, Scheduled again; both findings RESOLVED.`
            : `UNEXPECTED: the update of ${schedule} did not end as it should; see the timeline above.`,
        };
      },
    },
  ];
  // A data quality job definition without isolation or encryption, run by a schedule of its own.
  const definition = 'churn-drift-checks';
  const definitionSchedule = 'churn-drift-hourly';
  seedFailingResource(account, 'SageMaker.11', definition);
  account.sagemaker.monitoring.seedMonitoringSchedule({
    name: definitionSchedule,
    config: {
      ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      MonitoringJobDefinitionName: definition,
      MonitoringType: 'DataQuality',
    },
  });
  const definitionFinding = (controlId: string) =>
    resourceControlFinding({
      controlId,
      resourceName: definition,
      account: where.account,
      region: where.region,
    });
  const definitionNow = (acc: SimulatedAccount) => {
    const schedule = acc.sagemaker.operations().DescribeMonitoringSchedule?.({
      MonitoringScheduleName: definitionSchedule,
    }) as { MonitoringScheduleConfig: { MonitoringJobDefinitionName?: string } };
    const runs = schedule.MonitoringScheduleConfig.MonitoringJobDefinitionName ?? '(none)';
    const described = acc.sagemaker.monitoring.hasJobDefinition('DataQuality', runs)
      ? (acc.sagemaker.operations().DescribeDataQualityJobDefinition?.({ JobDefinitionName: runs }) as {
          NetworkConfig?: Record<string, boolean>;
        })
      : {};
    return {
      runs,
      network: described.NetworkConfig ?? {},
      oldGone: !acc.sagemaker.monitoring.hasJobDefinition('DataQuality', definition),
    };
  };
  const definitionCase: DemoResourceCase = {
    name: definition,
    findings: [
      { why: 'data quality job without network isolation', finding: definitionFinding('SageMaker.11') },
      {
        why: 'the same job definition without inter-container encryption',
        finding: definitionFinding('SageMaker.9'),
      },
    ],
    approveAfterMinutes: 30,
    describeNow: (acc) => {
      const { runs, network, oldGone } = definitionNow(acc);
      return `${definitionSchedule.padEnd(20)} runs ${runs}: EnableNetworkIsolation ${network.EnableNetworkIsolation} EnableInterContainerTrafficEncryption ${network.EnableInterContainerTrafficEncryption}; ${definition} ${oldGone ? 'deleted' : 'still there'}`;
    },
    check: (acc) => {
      const { runs, network, oldGone } = definitionNow(acc);
      const ok =
        runs !== definition &&
        network.EnableNetworkIsolation === true &&
        network.EnableInterContainerTrafficEncryption === true &&
        oldGone &&
        definitionCase.findings.every(({ finding }) => findingStatus(acc, finding) === 'RESOLVED');
      return {
        ok,
        line: ok
          ? `${definition}: one plan for SageMaker.11 and .9, approved, snapshotted, recreated as ${runs} with isolation and encryption, ${definitionSchedule} moved to it, the old definition deleted; both findings RESOLVED.`
          : `UNEXPECTED: the recreation of ${definition} did not end as it should; see the timeline above.`,
      };
    },
  };
  cases.push(definitionCase);

  // An endpoint configuration with one instance (SageMaker.4), serving a live endpoint.
  const config = 'churn-serving';
  const endpoint = 'churn-endpoint';
  seedFailingResource(account, 'SageMaker.4', config);
  account.sagemaker.inference.seedEndpoint({ name: endpoint, endpointConfigName: config });
  const endpointNow = (acc: SimulatedAccount) => {
    const described = acc.sagemaker.operations().DescribeEndpoint?.({ EndpointName: endpoint }) as {
      EndpointStatus: string;
      EndpointConfigName: string;
      ProductionVariants?: Array<{ CurrentInstanceCount?: number }>;
    };
    return {
      status: described.EndpointStatus,
      runs: described.EndpointConfigName,
      instances: described.ProductionVariants?.[0]?.CurrentInstanceCount,
      oldGone: !acc.sagemaker.inference.hasEndpointConfig(config),
    };
  };
  const endpointFinding = resourceControlFinding({
    controlId: 'SageMaker.4',
    resourceName: config,
    account: where.account,
    region: where.region,
  });
  const endpointCase: DemoResourceCase = {
    name: config,
    findings: [{ why: 'an endpoint configuration of one instance', finding: endpointFinding }],
    approveAfterMinutes: 35,
    describeNow: (acc) => {
      const { status, runs, instances, oldGone } = endpointNow(acc);
      return `${endpoint.padEnd(20)} ${status.padEnd(10)} runs ${runs} on ${instances} instances; ${config} ${oldGone ? 'deleted' : 'still there'}`;
    },
    check: (acc) => {
      const { status, runs, instances, oldGone } = endpointNow(acc);
      const ok =
        status === 'InService' &&
        runs !== config &&
        instances === 2 &&
        oldGone &&
        findingStatus(acc, endpointFinding) === 'RESOLVED';
      return {
        ok,
        line: ok
          ? `${config}: approved, snapshotted, replaced by ${runs} with 2 instances, ${endpoint} updated to it and InService, the old configuration deleted; the finding RESOLVED.`
          : `UNEXPECTED: the replacement of ${config} did not end as it should; see the timeline above.`,
      };
    },
  };
  cases.push(endpointCase);
  cases.push(...otherStrategyCases(account, where));
  return cases;
}

/**
 * One resource for each remaining strategy, so every engine shows in the demo: an untagged image
 * (SageMaker.7, tags added at once), a model without network isolation behind an endpoint (SageMaker.5,
 * replaced after approval) and an inference experiment capturing data without a key (SageMaker.24,
 * updated after approval).
 */
function otherStrategyCases(
  account: SimulatedAccount,
  where: { account: string; region: string },
): DemoResourceCase[] {
  const finding = (controlId: string, resourceName: string) =>
    resourceControlFinding({ controlId, resourceName, account: where.account, region: where.region });
  const resolved = (acc: SimulatedAccount, each: AwsSecurityFinding) =>
    findingStatus(acc, each) === 'RESOLVED';

  const image = 'team-pytorch-image';
  const imageArn = seedFailingResource(account, 'SageMaker.7', image);
  const imageFinding = finding('SageMaker.7', image);
  const imageTags = (acc: SimulatedAccount) =>
    acc.sagemaker.listTags({ ResourceArn: imageArn }).Tags.map((tag) => `${tag.Key}=${tag.Value}`);

  const model = 'churn-model';
  seedFailingResource(account, 'SageMaker.5', model);
  account.sagemaker.inference.seedEndpointConfig({ name: 'churn-model-config', modelName: model });
  account.sagemaker.inference.seedEndpoint({
    name: 'churn-model-endpoint',
    endpointConfigName: 'churn-model-config',
  });
  const modelFinding = finding('SageMaker.5', model);
  const servedModel = (acc: SimulatedAccount) => {
    const endpoint = acc.sagemaker
      .operations()
      .DescribeEndpoint?.({ EndpointName: 'churn-model-endpoint' }) as {
      EndpointStatus: string;
      EndpointConfigName: string;
    };
    const config = acc.sagemaker.operations().DescribeEndpointConfig?.({
      EndpointConfigName: endpoint.EndpointConfigName,
    }) as { ProductionVariants: Array<{ ModelName: string }> };
    const name = config.ProductionVariants[0]?.ModelName ?? '(none)';
    const described = acc.sagemaker.operations().DescribeModel?.({ ModelName: name }) as {
      EnableNetworkIsolation?: boolean;
    };
    return { status: endpoint.EndpointStatus, name, isolated: described.EnableNetworkIsolation === true };
  };

  const experiment = 'churn-shadow-test';
  seedFailingResource(account, 'SageMaker.24', experiment);
  const experimentFinding = finding('SageMaker.24', experiment);
  const captureKey = (acc: SimulatedAccount) => {
    const described = acc.sagemaker.operations().DescribeInferenceExperiment?.({ Name: experiment }) as
      | { DataStorageConfig?: { KmsKey?: string } }
      | undefined;
    return described?.DataStorageConfig?.KmsKey;
  };

  return [
    {
      name: image,
      findings: [{ why: 'an image with no tags', finding: imageFinding }],
      describeNow: (acc) => `${image.padEnd(20)} tags ${imageTags(acc).join(', ') || '(none)'}`,
      check: (acc) => {
        const ok = imageTags(acc).includes('owner=ml-platform') && resolved(acc, imageFinding);
        return {
          ok,
          line: ok
            ? `${image}: the required tag owner=ml-platform added at once, verified; the finding RESOLVED.`
            : `UNEXPECTED: the tags of ${image} were not added; see the timeline above.`,
        };
      },
    },
    {
      name: model,
      findings: [{ why: 'a model without network isolation, behind an endpoint', finding: modelFinding }],
      approveAfterMinutes: 40,
      describeNow: (acc) => {
        const { status, name, isolated } = servedModel(acc);
        return `${'churn-model-endpoint'.padEnd(20)} ${status.padEnd(10)} serves ${name}: EnableNetworkIsolation ${isolated}`;
      },
      check: (acc) => {
        const { status, name, isolated } = servedModel(acc);
        const ok = status === 'InService' && name !== model && isolated && resolved(acc, modelFinding);
        return {
          ok,
          line: ok
            ? `${model}: approved, snapshotted, replaced by the isolated ${name}, churn-model-endpoint updated to it and InService; the finding RESOLVED.`
            : `UNEXPECTED: the replacement of ${model} did not end as it should; see the timeline above.`,
        };
      },
    },
    {
      name: experiment,
      findings: [{ why: 'an inference experiment capturing data without a key', finding: experimentFinding }],
      approveAfterMinutes: 45,
      describeNow: (acc) => `${experiment.padEnd(20)} data capture key ${captureKey(acc) ?? '(none)'}`,
      check: (acc) => {
        const ok = typeof captureKey(acc) === 'string' && resolved(acc, experimentFinding);
        return {
          ok,
          line: ok
            ? `${experiment}: approved, snapshotted, UpdateInferenceExperiment with the configured data-capture key; the finding RESOLVED.`
            : `UNEXPECTED: the update of ${experiment} did not end as it should; see the timeline above.`,
        };
      },
    },
  ];
}
