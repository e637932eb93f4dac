/**
 * Given/When helpers of the endpoint tests (SageMaker.4 and .5): a model, an endpoint configuration on
 * one instance and the endpoints that use it, seeded into a deployment; readers of what they run now.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { RESOURCE_ROLE } from '../../simulation/scenarios/failing-resources.js';
import { clickLater } from './recreation-fixtures.js';
import { givenDeployment } from './workflow-fixtures.js';

export const MODEL = 'churn-model';
export const CONFIG = 'churn-config';
/** In name order, as the approval request lists them. */
export const ENDPOINTS = ['churn-canary', 'churn-live'] as const;

/** A model without isolation, a configuration of it on one ml.m5.large instance, and two endpoints on it. */
export function givenServingEndpoints(endpoints: readonly string[] = ENDPOINTS): LocalDeployment {
  const deployment = givenDeployment();
  const { inference } = deployment.account.sagemaker;
  inference.seedModel({
    name: MODEL,
    executionRoleArn: RESOURCE_ROLE(deployment.account),
    tags: [{ Key: 'team', Value: 'churn' }],
  });
  inference.seedEndpointConfig({
    name: CONFIG,
    productionVariants: [
      { VariantName: 'AllTraffic', ModelName: MODEL, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
      {
        VariantName: 'Serverless',
        ModelName: MODEL,
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
      },
    ],
    tags: [
      { Key: 'team', Value: 'churn' },
      { Key: 'aws:cloudformation:stack-name', Value: 'churn' },
    ],
  });
  for (const name of endpoints) inference.seedEndpoint({ name, endpointConfigName: CONFIG });
  return deployment;
}

export function findingOn(
  controlId: 'SageMaker.4' | 'SageMaker.5',
  resourceName: string,
): AwsSecurityFinding {
  return resourceControlFinding({ controlId, resourceName });
}

/** The finding arrives, then (optionally) a person clicks after five minutes: run until all executions end. */
export async function importedThenClicked(
  deployment: LocalDeployment,
  finding: AwsSecurityFinding,
  click?: 'approve' | 'reject',
) {
  deployment.importFinding(finding);
  if (click) clickLater(deployment, click, finding, 5);
  return deployment.settle();
}

const operations = (deployment: LocalDeployment) => deployment.account.sagemaker.operations();

export function endpointNow(deployment: LocalDeployment, name: string) {
  return operations(deployment).DescribeEndpoint?.({ EndpointName: name }) as {
    EndpointStatus: string;
    EndpointConfigName: string;
  };
}

/** The endpoint configuration as Describe reports it, or undefined once deleted. */
export function endpointConfigNow(deployment: LocalDeployment, name: string) {
  try {
    return operations(deployment).DescribeEndpointConfig?.({ EndpointConfigName: name }) as {
      ProductionVariants: Array<Record<string, unknown>>;
      EndpointConfigArn: string;
    };
  } catch {
    return undefined;
  }
}

export function modelNow(deployment: LocalDeployment, name: string) {
  try {
    return operations(deployment).DescribeModel?.({ ModelName: name }) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function tagsOf(deployment: LocalDeployment, arn: string) {
  const listed = operations(deployment).ListTags?.({ ResourceArn: arn }) as
    | { Tags: Array<{ Key: string }> }
    | undefined;
  return listed?.Tags;
}

/** Every endpoint configuration of the account, by name. */
export function endpointConfigNames(deployment: LocalDeployment): string[] {
  const listed = operations(deployment).ListEndpointConfigs?.({}) as {
    EndpointConfigs: Array<{ EndpointConfigName: string }>;
  };
  return listed.EndpointConfigs.map((config) => config.EndpointConfigName).sort();
}

/** Lets simulated time pass (an endpoint moved back finishes its update). */
export function afterMinutes(deployment: LocalDeployment, minutes: number): void {
  deployment.account.clock.advance(minutes * 60_000);
}
