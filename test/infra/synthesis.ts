/**
 * Shared helpers of the infrastructure tests: build the stack as bin/app.ts does, and read IAM out of
 * a synthesised template with CloudFormation intrinsics turned into readable strings.
 */
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadConfiguration } from '../../stacks/configuration.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
// Stacks built here with bundling bundle each handler once per run (see bundle-cache.ts).
import './bundle-cache.js';

export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-west-1';

/**
 * Apps of the tests that look at the template: CDK's own CloudFormation validation is the cdk-nag
 * test's (it reads the report); here it would print that report again at every synthesis.
 */
const TEMPLATE_APP = { builtinCloudFormationValidation: false } as const;

/** A stack in a fixed account and region, so ARNs in the template are mostly literal. */
export function buildStack(
  rawConfiguration: unknown = {},
  app: App = new App(TEMPLATE_APP),
): SageMakerRemediationStack {
  return new SageMakerRemediationStack(app, 'SageMakerRemediation', {
    configuration: loadConfiguration(rawConfiguration),
    env: { account: TEST_ACCOUNT, region: TEST_REGION },
  });
}

/** An App that skips Lambda bundling, for tests that only look at the rest of the template. */
export function appWithoutBundling(): App {
  return new App({ ...TEMPLATE_APP, context: { 'aws:cdk:bundling-stacks': [] } });
}

/** The logical ID a construct's resource has in the template (an overridden one included). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.resolve(element.logicalId) as string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Resolves Ref, Fn::GetAtt and Fn::Join to strings: pseudo parameters become `aws` / URL suffix, a Ref
 * to a resource becomes `ref:<LogicalId>`, a GetAtt `<LogicalId>.<Attribute>`.
 */
export function readable(value: Json): Json {
  if (Array.isArray(value)) return value.map(readable);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref') {
    const name = value.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::AccountId': TEST_ACCOUNT,
      'AWS::Region': TEST_REGION,
    };
    return pseudo[name] ?? `ref:${name}`;
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    return `${id}.${attribute}`;
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((part) => String(readable(part))).join(separator);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, readable(inner)]));
}

export interface ReadableStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  /** Only on a statement that names the actions it does not apply to (Action is then []). */
  NotAction?: string[];
  /** Only on a statement that names the resources it does not apply to (Resource is then []). */
  NotResource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const asArray = (value: Json | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/** The statements of a policy document, with Action and Resource always arrays ([] beside a NotAction or NotResource). */
export function readableStatements(document: Json): ReadableStatement[] {
  const statements = (readable(document) as { Statement: Array<Record<string, Json>> }).Statement;
  return statements.map((statement) => ({
    ...(statement.Sid ? { Sid: String(statement.Sid) } : {}),
    Effect: String(statement.Effect),
    Action: asArray(statement.Action),
    ...(statement.NotAction ? { NotAction: asArray(statement.NotAction) } : {}),
    Resource: asArray(statement.Resource),
    ...(statement.NotResource ? { NotResource: asArray(statement.NotResource) } : {}),
    ...(statement.Condition
      ? { Condition: statement.Condition as Record<string, Record<string, string | string[]>> }
      : {}),
  }));
}

/** Inline policies of a role, by policy name. */
export function inlinePolicies(
  template: Template,
  roleLogicalId: string,
): Record<string, ReadableStatement[]> {
  const role = template.toJSON().Resources[roleLogicalId] as {
    Properties: { Policies?: Array<{ PolicyName: string; PolicyDocument: Json }> };
  };
  return Object.fromEntries(
    (role.Properties.Policies ?? []).map((policy) => [
      policy.PolicyName,
      readableStatements(policy.PolicyDocument),
    ]),
  );
}

/** Statements of the AWS::IAM::Policy resources attached to a role (CDK's DefaultPolicy). */
export function attachedPolicyStatements(template: Template, roleLogicalId: string): ReadableStatement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.values(policies)
    .filter((policy) =>
      ((policy.Properties.Roles ?? []) as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => readableStatements(policy.Properties.PolicyDocument as Json));
}
