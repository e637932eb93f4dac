/**
 * Helpers for cdk-nag 3 acknowledgements (CDK's Validations.acknowledge). The acknowledgements
 * themselves are made next to the construct they concern, in the construct that defines it
 * (remediation-functions.ts, remediation-workflow.ts, finding-intake.ts, notebook-backup-bucket.ts).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Records a cdk-nag acknowledgement on a construct (and so on everything below it). */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * The finding id AwsSolutions-IAM5 reports for a wildcard resource. cdk-nag flattens the resolved
 * value (a Ref becomes `<Name>`, a GetAtt `<Id.Attr>`), so the id differs between an env-agnostic
 * stack (`<AWS::Region>`) and one with a concrete environment (`eu-west-1`): compute, never hard-code.
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** The same flattening cdk-nag applies (its utils/flatten-cfn-reference, which it does not export). */
function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object') {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (intrinsic['Fn::Sub'] !== undefined) return flattenCfnReference(intrinsic['Fn::Sub']);
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (intrinsic['Fn::ImportValue'] !== undefined) return flattenCfnReference(intrinsic['Fn::ImportValue']);
    if (intrinsic.Ref !== undefined) return `<${flattenCfnReference(intrinsic.Ref)}>`;
  }
  return JSON.stringify(node);
}
