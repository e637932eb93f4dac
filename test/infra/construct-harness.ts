/**
 * Helpers for the construct tests: a stack holding one construct (no Lambda bundling, so synthesis
 * takes well under a second), its CloudFormation validation report, cdk-nag over it, and the
 * acknowledgements recorded in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

export interface ConstructStack {
  readonly app: App;
  readonly stack: Stack;
  readonly template: Template;
  /** Findings of the CloudFormation validation CDK runs at synthesis (warnings included). */
  readonly validationFindings: string[];
}

/**
 * Builds `build(stack)` in a stack of its own (fixed account and region unless `agnostic`), with
 * the AWS Solutions pack as a validation plugin as bin/app.ts has it, and synthesises it once.
 */
export function synthesiseConstruct(
  build: (stack: Stack) => void,
  options: { readonly agnostic?: boolean } = {},
): ConstructStack {
  const app = new App();
  const stack = new Stack(
    app,
    'ConstructUnderTest',
    options.agnostic ? {} : { env: { account: TEST_ACCOUNT, region: TEST_REGION } },
  );
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const directory = synthesizeKeepingReport(app).directory;
  return { app, stack, template: Template.fromStack(stack), validationFindings: findingsIn(directory) };
}

/** How CDK's validation starts the copy of its report it prints when it found issues. */
const PRINTED_REPORT = '[Warning] Template validation found issues';

/**
 * Synthesises `app`, without the copy of the validation report CDK prints on the console when it found
 * issues: the tests read the report from validation-report.json in the assembly (and a failed
 * validation throws with the report in the error). Anything else written to the console passes.
 */
export function synthesizeKeepingReport(app: App): CloudAssembly {
  const print = console.error;
  console.error = (...data: unknown[]) => {
    if (!String(data[0]).startsWith(PRINTED_REPORT)) print(...data);
  };
  try {
    return app.synth();
  } finally {
    console.error = print;
  }
}

function findingsIn(directory: string): string[] {
  const file = join(directory, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: Array<{
      pluginName: string;
      violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
    }>;
  };
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (construct) => `${plugin.pluginName} ${violation.ruleName} ${construct.constructPath}`,
      ),
    ),
  );
}

/** Every unacknowledged AWS Solutions finding, warnings included. */
export function nagFindings(app: App): string[] {
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.flatMap((violation) =>
      (violation.violatingResources ?? [{ constructPath: '?' }]).map(
        (resource) => `${violation.ruleName} ${resource.constructPath ?? '?'}`,
      ),
    );
}

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/**
 * Every cdk-nag (AwsSolutions) acknowledgement recorded below `root`, as Validations.acknowledge
 * stores them. CDK records CloudFormation-Validate acknowledgements of its own (on FlowLog, for
 * instance); those are not ours to justify and are left out.
 */
export function nagAcknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return allAcknowledgementsIn(root).filter(({ id }) => id.startsWith('AwsSolutions-'));
}

/** Every acknowledgement recorded below `root`, CDK's own included. */
export function allAcknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** The single resource of a type in a template, with its logical id. */
export function onlyResource(
  template: Template,
  type: string,
): { logicalId: string; resource: { Properties: Record<string, unknown> } & Record<string, unknown> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [logicalId, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { logicalId, resource };
}
