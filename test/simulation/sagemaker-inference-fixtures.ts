/**
 * Shared set-up for the tests of the simulated inference resources (models, endpoint configurations,
 * endpoints, inference experiments): an account, its SageMaker client, and request builders.
 */
import type { ProductionVariant } from '@aws-sdk/client-sagemaker';
import { onTestFinished } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller } from '../../simulation/account/authorizer.js';

export const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-inference';
export const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/fraud-detector:1.4';
export const ARN_PREFIX = 'arn:aws:sagemaker:eu-west-1:111122223333';
export const SECOND = 1_000;

/** A fresh account with instantaneous calls, disposed of when the test ends. */
export function givenAccount(options: { readonly strictReferences?: boolean } = {}): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0, ...options });
  onTestFinished(() => account.dispose());
  return account;
}

/** The account's SageMaker client, as the administrator or as `caller`. */
export function sageMaker(account: SimulatedAccount, caller?: Caller) {
  return account.sdkClients(caller ?? account.administrator).sagemaker;
}

/** What a call that must fail threw, as `<name>: <message>`. */
export async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  throw new Error('expected the call to fail');
}

/** The Error name and Cause a Step Functions `aws-sdk:sagemaker` task sees for this call. */
export async function stepFunctionsFailure(
  account: SimulatedAccount,
  action: string,
  parameters: Record<string, unknown>,
): Promise<{ readonly error: string; readonly cause: string }> {
  try {
    await account.callStepFunctionsIntegration(`arn:aws:states:::aws-sdk:sagemaker:${action}`, parameters);
  } catch (error) {
    return { error: (error as Error).name, cause: (error as Error).message };
  }
  throw new Error('expected the task to fail');
}

export function instanceVariant(
  modelName: string,
  count = 1,
  extra: Partial<ProductionVariant> = {},
): ProductionVariant {
  return {
    VariantName: 'AllTraffic',
    ModelName: modelName,
    InitialInstanceCount: count,
    InstanceType: 'ml.m5.large',
    ...extra,
  };
}

/** A model, and endpoint configurations `<prefix>-1` (one instance) and `<prefix>-2` (two), seeded. */
export function givenModelAndConfigs(
  account: SimulatedAccount,
  modelName = 'fraud-model',
  prefix = 'fraud-config',
) {
  const inference = account.sagemaker.inference;
  inference.seedModel({ name: modelName, executionRoleArn: ROLE, primaryContainer: { Image: IMAGE } });
  inference.seedEndpointConfig({ name: `${prefix}-1`, productionVariants: [instanceVariant(modelName, 1)] });
  inference.seedEndpointConfig({ name: `${prefix}-2`, productionVariants: [instanceVariant(modelName, 2)] });
}

/** A ModelVariantConfig of an inference experiment. */
export function experimentVariant(variantName: string, modelName: string) {
  return {
    ModelName: modelName,
    VariantName: variantName,
    InfrastructureConfig: {
      InfrastructureType: 'RealTimeInference' as const,
      RealTimeInferenceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1 },
    },
  };
}
