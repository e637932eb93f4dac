/**
 * SageMaker.12 and .15, the two controls of a model bias job definition, on their predicates alone:
 * .12 (network isolation) fails whatever the instance count, .15 (traffic encryption) only on two or
 * more instances, where there is traffic between instances to encrypt.
 */
import { describe, expect, it } from 'vitest';
import { sageMaker12 } from '../../handlers/shared/controls/sagemaker-12.js';
import { sageMaker15 } from '../../handlers/shared/controls/sagemaker-15.js';

/** A model bias job definition on `instances` instances, with neither isolation nor encryption. */
function definitionOn(instances: number, networkConfig: Record<string, boolean> = {}) {
  return {
    description: {
      JobDefinitionName: 'churn-bias',
      JobResources: {
        ClusterConfig: { InstanceCount: instances, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 },
      },
      NetworkConfig: {
        EnableNetworkIsolation: false,
        EnableInterContainerTrafficEncryption: false,
        ...networkConfig,
      },
    },
  };
}

describe('SageMaker.12 and .15 on a model bias job definition', () => {
  it('Given a definition on 1 instance without isolation or encryption, When both predicates run, Then it passes .15 but fails .12', () => {
    const resource = definitionOn(1);

    expect(sageMaker15.fails(resource)).toBe(false);
    expect(sageMaker12.fails(resource)).toBe(true);
  });

  it('Given the same definition on 2 instances, When both predicates run, Then it fails both', () => {
    const resource = definitionOn(2);

    expect(sageMaker15.fails(resource)).toBe(true);
    expect(sageMaker12.fails(resource)).toBe(true);
  });

  it('Given a definition on 2 instances with encryption on, When .15 runs, Then it passes', () => {
    expect(sageMaker15.fails(definitionOn(2, { EnableInterContainerTrafficEncryption: true }))).toBe(false);
  });

  it('Given a definition on 2 instances that its fix was applied to, When both predicates run, Then it passes both', () => {
    const resource = definitionOn(2);
    const fixed = [sageMaker12, sageMaker15].reduce(
      (description, control) => control.fix.apply(description),
      resource.description as Readonly<Record<string, unknown>>,
    );

    expect(sageMaker15.fails({ description: fixed })).toBe(false);
    expect(sageMaker12.fails({ description: fixed })).toBe(false);
  });
});
