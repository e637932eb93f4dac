/**
 * The member stack as a StackSet deploys it (no account or Region of its own; CDK's CloudFormation
 * validation and cdk-nag's AwsSolutions pack on, as bin/app.ts has them), synthesized once per
 * configuration for the test files of a worker: a synthesis with cdk-nag takes most of a second, and
 * the member stack tests ask for the default configuration's eight times.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';

export interface SynthesizedMemberStack {
  /** The synthesized stack: read it, never add to it (other tests share it). */
  readonly stack: MemberStack;
  readonly assembly: CloudAssembly;
  /** The template, a copy of its own for each call. */
  template(): Template;
}

const synthesized = new Map<string, SynthesizedMemberStack>();

/** The member stack of the `remediation` context `raw` (as in cdk.json); throws on a cdk-nag finding. */
export function synthesizedMemberStack(raw: unknown = {}): SynthesizedMemberStack {
  const key = JSON.stringify(raw);
  const known = synthesized.get(key);
  if (known) return known;
  const app = new App();
  const stack = new MemberStack(app, 'SageMakerRemediationMember', { configuration: loadConfiguration(raw) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const json = JSON.stringify(assembly.getStackArtifact(stack.artifactId).template);
  const result = { stack, assembly, template: () => Template.fromJSON(JSON.parse(json)) };
  synthesized.set(key, result);
  return result;
}
