/**
 * The demo's cases beside notebooks, from the control modules: each seeds a failing resource into the
 * simulated account, names the findings Security Hub imports and when a security engineer approves,
 * and checks the end state. The lessons' cases: a monitoring schedule without network isolation
 * (SageMaker.14, fixed in place after approval, with .22 in the same plan), a data quality job
 * definition without network isolation (SageMaker.11, recreated after approval with .9 in the same
 * plan, the schedule that runs it moved to the new one), and an endpoint rolled to two instances
 * (SageMaker.4, a new configuration and UpdateEndpoint after approval); then one resource for each
 * remaining strategy: an untagged image (SageMaker.7, tags added at once), a model without network
 * isolation behind an endpoint (SageMaker.5, replaced after approval) and an inference experiment
 * capturing data without a key (SageMaker.24, updated after approval).
 */
import type { SimulatedAccount } from '../simulation/account/account.js';
import { resourceControlFinding } from '../simulation/account/sample-findings.js';
import { seedFailingResource } from '../simulation/scenarios/failing-resources.js';
import { asffDemoFinding, type DemoContext, type DemoFinding, type DemoSeeder } from './demo-case.js';

const finding = (context: DemoContext, controlId: string, resourceName: string, why: string): DemoFinding =>
  asffDemoFinding(
    context,
    resourceControlFinding({
      controlId,
      resourceName,
      account: context.account.accountId,
      region: context.account.region,
    }),
    { why },
  );

const checked = (ok: boolean, fixed: string, unexpected: string) => ({
  ok,
  line: ok ? fixed : `UNEXPECTED: ${unexpected}; see the timeline above.`,
});

type Network = { EnableNetworkIsolation?: boolean; EnableInterContainerTrafficEncryption?: boolean };
const networkWords = (network: Network) =>
  `EnableNetworkIsolation ${network.EnableNetworkIsolation} EnableInterContainerTrafficEncryption ${network.EnableInterContainerTrafficEncryption}`;
const isolatedAndEncrypted = (network: Network) =>
  network.EnableNetworkIsolation === true && network.EnableInterContainerTrafficEncryption === true;

const monitoringSchedule: DemoSeeder = (context) => {
  const { account } = context;
  const schedule = 'churn-data-quality';
  seedFailingResource(account, 'SageMaker.14', schedule);
  const now = () => {
    const described = account.sagemaker.operations().DescribeMonitoringSchedule?.({
      MonitoringScheduleName: schedule,
    }) as {
      MonitoringScheduleStatus: string;
      MonitoringScheduleConfig: { MonitoringJobDefinition?: { NetworkConfig?: Network } };
    };
    const network = described.MonitoringScheduleConfig.MonitoringJobDefinition?.NetworkConfig ?? {};
    return { status: described.MonitoringScheduleStatus, network };
  };
  return [
    {
      scenario: 'monitoring-schedule',
      findings: [
        finding(context, 'SageMaker.14', schedule, 'monitoring job without network isolation'),
        finding(context, 'SageMaker.22', schedule, 'the same job without inter-container encryption'),
      ],
      approveAfterMinutes: 25,
      describeNow: () => `${schedule.padEnd(20)} ${now().status.padEnd(10)} ${networkWords(now().network)}`,
      checkFixed: () =>
        checked(
          now().status === 'Scheduled' && isolatedAndEncrypted(now().network),
          `${schedule}: one plan for SageMaker.14 and .22, approved, snapshotted, UpdateMonitoringSchedule with isolation and encryption, Scheduled again.`,
          `the update of ${schedule} did not end as it should`,
        ),
    },
  ];
};

/** A data quality job definition without isolation or encryption, run by a schedule of its own. */
const jobDefinition: DemoSeeder = (context) => {
  const { account } = context;
  const definition = 'churn-drift-checks';
  const schedule = 'churn-drift-hourly';
  seedFailingResource(account, 'SageMaker.11', definition);
  account.sagemaker.monitoring.seedMonitoringSchedule({
    name: schedule,
    config: {
      ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      MonitoringJobDefinitionName: definition,
      MonitoringType: 'DataQuality',
    },
  });
  const now = () => {
    const described = account.sagemaker.operations().DescribeMonitoringSchedule?.({
      MonitoringScheduleName: schedule,
    }) as { MonitoringScheduleConfig: { MonitoringJobDefinitionName?: string } };
    const runs = described.MonitoringScheduleConfig.MonitoringJobDefinitionName ?? '(none)';
    const job = account.sagemaker.monitoring.hasJobDefinition('DataQuality', runs)
      ? (account.sagemaker.operations().DescribeDataQualityJobDefinition?.({ JobDefinitionName: runs }) as {
          NetworkConfig?: Network;
        })
      : {};
    return {
      runs,
      network: job.NetworkConfig ?? {},
      oldGone: !account.sagemaker.monitoring.hasJobDefinition('DataQuality', definition),
    };
  };
  return [
    {
      scenario: 'job-definition',
      findings: [
        finding(context, 'SageMaker.11', definition, 'data quality job without network isolation'),
        finding(
          context,
          'SageMaker.9',
          definition,
          'the same job definition without inter-container encryption',
        ),
      ],
      approveAfterMinutes: 30,
      describeNow: () => {
        const { runs, network, oldGone } = now();
        return `${schedule.padEnd(20)} runs ${runs}: ${networkWords(network)}; ${definition} ${oldGone ? 'deleted' : 'still there'}`;
      },
      checkFixed: () => {
        const { runs, network, oldGone } = now();
        return checked(
          runs !== definition && isolatedAndEncrypted(network) && oldGone,
          `${definition}: one plan for SageMaker.11 and .9, approved, snapshotted, recreated as ${runs} with isolation and encryption, ${schedule} moved to it, the old definition deleted.`,
          `the recreation of ${definition} did not end as it should`,
        );
      },
    },
  ];
};

/** An endpoint configuration with one instance (SageMaker.4), serving a live endpoint. */
const endpointConfig: DemoSeeder = (context) => {
  const { account } = context;
  const config = 'churn-serving';
  const endpoint = 'churn-endpoint';
  seedFailingResource(account, 'SageMaker.4', config);
  account.sagemaker.inference.seedEndpoint({ name: endpoint, endpointConfigName: config });
  const now = () => {
    const described = account.sagemaker.operations().DescribeEndpoint?.({ EndpointName: endpoint }) as {
      EndpointStatus: string;
      EndpointConfigName: string;
      ProductionVariants?: Array<{ CurrentInstanceCount?: number }>;
    };
    return {
      status: described.EndpointStatus,
      runs: described.EndpointConfigName,
      instances: described.ProductionVariants?.[0]?.CurrentInstanceCount,
      oldGone: !account.sagemaker.inference.hasEndpointConfig(config),
    };
  };
  return [
    {
      scenario: 'endpoint-config',
      findings: [finding(context, 'SageMaker.4', config, 'an endpoint configuration of one instance')],
      approveAfterMinutes: 35,
      describeNow: () => {
        const { status, runs, instances, oldGone } = now();
        return `${endpoint.padEnd(20)} ${status.padEnd(10)} runs ${runs} on ${instances} instances; ${config} ${oldGone ? 'deleted' : 'still there'}`;
      },
      checkFixed: () => {
        const { status, runs, instances, oldGone } = now();
        return checked(
          status === 'InService' && runs !== config && instances === 2 && oldGone,
          `${config}: approved, snapshotted, replaced by ${runs} with 2 instances, ${endpoint} updated to it and InService, the old configuration deleted.`,
          `the replacement of ${config} did not end as it should`,
        );
      },
    },
  ];
};

const imageTags: DemoSeeder = (context) => {
  const { account, requiredTags } = context;
  const image = 'team-pytorch-image';
  const imageArn = seedFailingResource(account, 'SageMaker.7', image);
  const tags = () =>
    account.sagemaker.listTags({ ResourceArn: imageArn }).Tags.map((tag) => `${tag.Key}=${tag.Value}`);
  const required = Object.entries(requiredTags).map(([key, value]) => `${key}=${value}`);
  return [
    {
      scenario: 'image-tags',
      findings: [finding(context, 'SageMaker.7', image, 'an image with no tags')],
      describeNow: () => `${image.padEnd(20)} tags ${tags().join(', ') || '(none)'}`,
      checkFixed: () =>
        checked(
          required.every((tag) => tags().includes(tag)),
          `${image}: the required tags ${required.join(', ')} added at once, verified.`,
          `the tags of ${image} were not added`,
        ),
    },
  ];
};

const model: DemoSeeder = (context) => {
  const { account } = context;
  const name = 'churn-model';
  const endpoint = 'churn-model-endpoint';
  seedFailingResource(account, 'SageMaker.5', name);
  account.sagemaker.inference.seedEndpointConfig({ name: 'churn-model-config', modelName: name });
  account.sagemaker.inference.seedEndpoint({ name: endpoint, endpointConfigName: 'churn-model-config' });
  const served = (acc: SimulatedAccount) => {
    const described = acc.sagemaker.operations().DescribeEndpoint?.({ EndpointName: endpoint }) as {
      EndpointStatus: string;
      EndpointConfigName: string;
    };
    const config = acc.sagemaker.operations().DescribeEndpointConfig?.({
      EndpointConfigName: described.EndpointConfigName,
    }) as { ProductionVariants: Array<{ ModelName: string }> };
    const modelName = config.ProductionVariants[0]?.ModelName ?? '(none)';
    const modelNow = acc.sagemaker.operations().DescribeModel?.({ ModelName: modelName }) as
      | { EnableNetworkIsolation?: boolean }
      | undefined;
    return {
      status: described.EndpointStatus,
      modelName,
      isolated: modelNow?.EnableNetworkIsolation === true,
    };
  };
  return [
    {
      scenario: 'model',
      findings: [
        finding(context, 'SageMaker.5', name, 'a model without network isolation, behind an endpoint'),
      ],
      approveAfterMinutes: 40,
      describeNow: () => {
        const { status, modelName, isolated } = served(account);
        return `${endpoint.padEnd(20)} ${status.padEnd(10)} serves ${modelName}: EnableNetworkIsolation ${isolated}`;
      },
      checkFixed: () => {
        const { status, modelName, isolated } = served(account);
        return checked(
          status === 'InService' && modelName !== name && isolated,
          `${name}: approved, snapshotted, replaced by the isolated ${modelName}, ${endpoint} updated to it and InService.`,
          `the replacement of ${name} did not end as it should`,
        );
      },
    },
  ];
};

const inferenceExperiment: DemoSeeder = (context) => {
  const { account } = context;
  const experiment = 'churn-shadow-test';
  seedFailingResource(account, 'SageMaker.24', experiment);
  const captureKey = () =>
    (
      account.sagemaker.operations().DescribeInferenceExperiment?.({ Name: experiment }) as
        | { DataStorageConfig?: { KmsKey?: string } }
        | undefined
    )?.DataStorageConfig?.KmsKey;
  return [
    {
      scenario: 'inference-experiment',
      findings: [
        finding(context, 'SageMaker.24', experiment, 'an inference experiment capturing data without a key'),
      ],
      approveAfterMinutes: 45,
      describeNow: () => `${experiment.padEnd(20)} data capture key ${captureKey() ?? '(none)'}`,
      checkFixed: () =>
        checked(
          typeof captureKey() === 'string',
          `${experiment}: approved, snapshotted, UpdateInferenceExperiment with the configured data-capture key.`,
          `the update of ${experiment} did not end as it should`,
        ),
    },
  ];
};

export const RESOURCE_SEEDERS = {
  'monitoring-schedule': monitoringSchedule,
  'job-definition': jobDefinition,
  'endpoint-config': endpointConfig,
  'image-tags': imageTags,
  model,
  'inference-experiment': inferenceExperiment,
} as const satisfies Record<string, DemoSeeder>;
