/**
 * SageMaker.19: Multi-container model pulls images from a public registry.
 * The AWS Config rule behind it fails a container without ImageConfig or with RepositoryAccessMode=Platform:
 * only a private Docker registry in a VPC (Vpc) passes. Needs a private registry that only its owner can choose: guidance, not an automatic fix.
 */
import { defineControl, pullsFromPlatform } from './control-module.js';

export const sageMaker19 = defineControl({
  id: 'SageMaker.19',
  title: 'Multi-container model pulls images from a public registry',
  kind: 'model',
  severity: 'MEDIUM',
  checks: 'Containers[].ImageConfig.RepositoryAccessMode',
  fails: ({ description }) =>
    (Array.isArray(description.Containers) ? (description.Containers as unknown[]) : []).some(
      pullsFromPlatform,
    ),
  fix: { strategy: 'guidance' },
  guidance: (name) =>
    `Copy every container image to a private registry in your VPC, create a model whose containers all use ImageConfig.RepositoryAccessMode=Vpc, move the endpoint configurations of ${name} to that model, then delete the old one.`,
});
