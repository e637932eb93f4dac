/**
 * A Security Hub (CSPM) custom insight listing the findings that wait for an operator's approval, grouped
 * by resource: one line per notebook or resource whose plan waits, with its findings.
 *
 * It matches what the workflow writes while a plan waits: workflow status NOTIFIED and a note by
 * NOTE_AUTHOR that starts as the approval request (or a join to it) does. The phrases are the planning's
 * own constants, so a reworded note cannot silently empty the insight. Once the plan is decided or
 * expires the note changes, and the finding leaves the insight.
 */
import { CfnInsight } from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import { APPROVAL_GATED_ENGINES, CONTROLS, findControl } from '../handlers/shared/controls-catalogue.js';
import {
  AWAITING_APPROVAL_NOTE_PREFIX,
  JOINED_PLAN_NOTE_PREFIX,
} from '../handlers/shared/remediation-plan.js';
import { NOTE_AUTHOR } from '../statemachines/state-builders.js';

/** Security Hub accepts at most 20 values per filtered attribute (AwsSecurityFindingFilters). */
export const MAX_INSIGHT_FILTER_VALUES = 20;

/** The controls whose findings can wait for an approval: those of the approval-gated engines. */
export const APPROVAL_CONTROL_IDS: readonly string[] = CONTROLS.flatMap((control) =>
  control.remediation &&
  (APPROVAL_GATED_ENGINES as readonly string[]).includes(control.remediation.name) &&
  control.remediation.modes.includes('approval')
    ? [control.id]
    : [],
);

export interface AwaitingApprovalInsightProps {
  /**
   * The controls whose findings are listed: at most 20 (Security Hub's limit per attribute), each a
   * control that can ask for approval.
   *
   * @default APPROVAL_CONTROL_IDS, every control that can ask for approval
   */
  readonly controls?: readonly string[];
  /**
   * The insight's name in the Security Hub console.
   *
   * @default 'SageMaker remediations awaiting approval'
   */
  readonly name?: string;
}

export class AwaitingApprovalInsight extends Construct {
  public readonly insight: CfnInsight;
  /** The controls it lists. */
  public readonly controls: readonly string[];

  constructor(scope: Construct, id: string, props: AwaitingApprovalInsightProps = {}) {
    super(scope, id);
    const controls = props.controls ?? APPROVAL_CONTROL_IDS;
    const name = props.name ?? 'SageMaker remediations awaiting approval';
    const problems = insightProblems(controls, name);
    if (problems.length > 0) {
      throw new Error(`Invalid AwaitingApprovalInsight '${id}':\n${problems.join('\n')}`);
    }
    this.controls = controls;
    const equals = (value: string) => ({ comparison: 'EQUALS', value });
    this.insight = new CfnInsight(this, 'Insight', {
      name,
      // One line per resource: a plan covers every finding of its resource.
      groupByAttribute: 'ResourceId',
      filters: {
        complianceSecurityControlId: controls.map(equals),
        recordState: [equals('ACTIVE')],
        workflowStatus: [equals('NOTIFIED')],
        noteUpdatedBy: [equals(NOTE_AUTHOR)],
        // Filters on the same attribute are joined by OR.
        noteText: [AWAITING_APPROVAL_NOTE_PREFIX, JOINED_PLAN_NOTE_PREFIX].map((prefix) => ({
          comparison: 'PREFIX',
          value: prefix,
        })),
      },
    });
  }
}

/** Every problem with the given controls and name, at once. */
function insightProblems(controls: readonly string[], name: string): string[] {
  const problems: string[] = [];
  if (controls.length === 0) problems.push('controls: name at least one control');
  if (controls.length > MAX_INSIGHT_FILTER_VALUES) {
    problems.push(
      `controls: ${controls.length} given, Security Hub takes at most ${MAX_INSIGHT_FILTER_VALUES} values per filter`,
    );
  }
  for (const control of controls) {
    if (!findControl(control)) problems.push(`controls: ${control} is not a control of the catalogue`);
    else if (!APPROVAL_CONTROL_IDS.includes(control)) {
      problems.push(`controls: ${control} never asks for approval, so none of its findings would be listed`);
    }
  }
  if (new Set(controls).size !== controls.length) problems.push('controls: a control is listed twice');
  if (name.trim() === '') problems.push('name: must not be empty');
  return problems;
}
