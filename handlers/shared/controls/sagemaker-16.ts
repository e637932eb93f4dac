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
    `Model ${name} pulls its primary container image from a public registry. Copy the image into a private Docker registry reachable from your VPC, create a new model that references it with ImageConfig.RepositoryAccessMode=Vpc (and RepositoryAuthConfig if the registry needs credentials), move the endpoint configurations that use ${name} to it, then delete ${name}. A registry cannot be chosen for you, so this is not automated.`,
});
