/**
 * The stack as `cdk synth` writes it, for a configuration, in the simulated account's account and
 * region: the template the local deployment deploys, so that the simulated account runs with the
 * very IAM policies, names, settings and definition CloudFormation would get.
 *
 * Lambda bundling is skipped (the handlers run in-process from source); everything else is the real
 * synthesis, cdk-nag excepted (the CDK app runs it; here it would only cost time). Synthesis takes
 * about a second: each configuration, account and region is synthesized once for all the processes of
 * a run (build-cache.ts, addressed by the sources synthesis reads), and parsed once: callers share a
 * frozen template.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CONTROL_MODULES } from '../../handlers/shared/controls/registry.js';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { FrozenJsonCache } from '../frozen-json.js';
import { cachedText, SYNTHESIS_SOURCES } from './build-cache.js';
import type { CloudFormationTemplate } from './cloudformation.js';

/** The stack name bin/app.ts deploys. */
export const STACK_NAME = 'SageMakerRemediation';
/** The member stack's name in bin/app.ts (a StackSet gives its instances names of its own). */
export const MEMBER_STACK_NAME = 'SageMakerRemediationMember';

/**
 * The controls the stack is built from, as this process has them: a test that mocks the registry
 * (vi.mock of controls/registry.ts) gets a template of its own, never one cached for the real registry.
 */
function registryDigest(): string {
  return createHash('sha256').update(JSON.stringify(CONTROL_MODULES)).digest('hex').slice(0, 16);
}

/** Templates as JSON text, by request: this process's, then the run's on disk. */
const synthesized = new Map<string, string>();
/** The templates parsed: a few configurations at a time are deployed again and again. */
const parsedTemplates = new FrozenJsonCache(8);

function cachedTemplate(request: unknown, synthesize: () => CloudFormationTemplate): CloudFormationTemplate {
  const key = JSON.stringify(request);
  let text = synthesized.get(key);
  if (text === undefined) {
    text = cachedText(SYNTHESIS_SOURCES, request, () => JSON.stringify(synthesize()));
    synthesized.set(key, text);
  }
  // Shared and frozen: a deployment that tried to change its template would fail, not change another's.
  return parsedTemplates.parse(text) as CloudFormationTemplate;
}

export interface SynthesisTarget {
  /** The `remediation` context, as in cdk.json. */
  readonly configuration: unknown;
  readonly accountId: string;
  readonly region: string;
}

export function synthesizeTemplate(target: SynthesisTarget): CloudFormationTemplate {
  return cachedTemplate(
    ['stack', target.configuration ?? {}, target.accountId, target.region, registryDigest()],
    () => synthesizeStack(target),
  );
}

function synthesizeStack(target: SynthesisTarget): CloudFormationTemplate {
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
    return app.synth().getStackByName(STACK_NAME).template as CloudFormationTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The member stack's template for a configuration: environment-agnostic, as a StackSet deploys one
 * template to every account and Region (its account and Region are pseudo parameters).
 */
export function synthesizeMemberTemplate(configuration: unknown): CloudFormationTemplate {
  return cachedTemplate(['member', configuration ?? {}, registryDigest()], () =>
    synthesizeMemberStack(configuration),
  );
}

function synthesizeMemberStack(configuration: unknown): CloudFormationTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'remediation-member-synth-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    new MemberStack(app, MEMBER_STACK_NAME, { configuration: loadConfiguration(configuration) });
    return app.synth().getStackByName(MEMBER_STACK_NAME).template as CloudFormationTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
