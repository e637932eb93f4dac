/**
 * SageMaker.16: Model primary container pulls images from a public registry.
 * The AWS Config rule behind it fails a container without ImageConfig or with RepositoryAccessMode=Platform:
 * only a private Docker registry in a VPC (Vpc) passes. Needs a private registry that only its owner can choose: guidance, not an automatic fix.
 */
import { defineControl, pullsFromPlatform } from './control-module.js';

export const sageMaker16 = defineControl({
  id: 'SageMaker.16',
  title: 'Model primary container pulls images from a public registry',
  kind: 'model',
  severity: 'MEDIUM',
  checks: 'PrimaryContainer.ImageConfig.RepositoryAccessMode',
  fails: ({ description }) =>
    description.PrimaryContainer !== undefined && pullsFromPlatform(description.PrimaryContainer),
  fix: { strategy: 'guidance' },
  guidance: (name) =>
    `Copy its image to a private registry in your VPC, create a model from it with ImageConfig.RepositoryAccessMode=Vpc (and RepositoryAuthConfig if the registry needs credentials), move the endpoint configurations of ${name} to that model, then delete the old one.`,
});
