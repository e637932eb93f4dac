/**
 * The stack as `cdk synth` writes it, for a configuration, in the simulated account's account and
 * region: the template the local deployment deploys, so that the simulated account runs with the
 * very IAM policies, names, settings and definition CloudFormation would get.
 *
 * Lambda bundling is skipped (the handlers run in-process from source); everything else is the real
 * synthesis, cdk-nag excepted (the CDK app runs it; here it would only cost time). Templates are cached
 * per process by configuration, account and region: synthesis takes about a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import type { CloudFormationTemplate } from './cloudformation.js';

/** The stack name bin/app.ts deploys. */
export const STACK_NAME = 'SageMakerRemediation';
/** The member stack's name in bin/app.ts (a StackSet gives its instances names of its own). */
export const MEMBER_STACK_NAME = 'SageMakerRemediationMember';

const cache = new Map<string, CloudFormationTemplate>();

export interface SynthesisTarget {
  /** The `remediation` context, as in cdk.json. */
  readonly configuration: unknown;
  readonly accountId: string;
  readonly region: string;
}

export function synthesizeTemplate(target: SynthesisTarget): CloudFormationTemplate {
  const key = JSON.stringify([target.configuration ?? {}, target.accountId, target.region]);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'remediation-synth-'));
  try {
    const app = new App({
      outdir,
      // The app's own synthesis validates the template (bin/app.ts); here it would only repeat it.
      builtinCloudFormationValidation: false,
      context: {
        // No asset bundling: the simulated Lambdas run the handler source in-process.
        'aws:cdk:bundling-stacks': [],
        // What the CDK CLI sets: construct paths in each resource's metadata (how functions are told apart).
        'aws:cdk:enable-path-metadata': true,
      },
    });
    new SageMakerRemediationStack(app, STACK_NAME, {
      configuration: loadConfiguration(target.configuration),
      env: { account: target.accountId, region: target.region },
    });
    const template = app.synth().getStackByName(STACK_NAME).template as CloudFormationTemplate;
    cache.set(key, template);
    return template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const memberCache = new Map<string, CloudFormationTemplate>();

/**
 * The member stack's template for a configuration: environment-agnostic, as a StackSet deploys one
 * template to every account and Region (its account and Region are pseudo parameters).
 */
export function synthesizeMemberTemplate(configuration: unknown): CloudFormationTemplate {
  const key = JSON.stringify(configuration ?? {});
  const cached = memberCache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'remediation-member-synth-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    new MemberStack(app, MEMBER_STACK_NAME, { configuration: loadConfiguration(configuration) });
    const template = app.synth().getStackByName(MEMBER_STACK_NAME).template as CloudFormationTemplate;
    memberCache.set(key, template);
    return template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
