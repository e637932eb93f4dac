/**
 * The generated parts of docs/: the controls table (from the catalogue) and the state machine diagram
 * (from the real definition). `npm run docs` writes them; test/unit/generated-docs.test.ts fails when
 * a committed doc no longer matches what would be generated.
 */

import { resourceKind } from '../handlers/shared/controls/resource-kinds.js';
import {
  allowedModes,
  CONTROLS,
  type ControlDefinition,
  defaultMode,
} from '../handlers/shared/controls-catalogue.js';
import { definitionOptionsFor, loadConfiguration } from '../stacks/configuration.js';
import { buildRemediationDefinition } from '../statemachines/remediation-definition.js';
import { renderStateDiagram } from '../statemachines/state-machine-diagram.js';
import { measureWorkflows, renderCopyModel, renderWorkflowTable } from './benchmark.js';
import { measureControls, renderControlTable } from './benchmark-controls.js';

const FIGURES_START = '<!-- generated:workflow-figures:start (npm run docs) -->';
const FIGURES_END = '<!-- generated:workflow-figures:end -->';

const CONTROL_FIGURES_START = '<!-- generated:control-figures:start (npm run docs) -->';
const CONTROL_FIGURES_END = '<!-- generated:control-figures:end -->';

const COPY_MODEL_START = '<!-- generated:copy-model:start (npm run docs) -->';
const COPY_MODEL_END = '<!-- generated:copy-model:end -->';

const DIAGRAM_START = '<!-- generated:state-machine-diagram:start (npm run docs) -->';
const DIAGRAM_END = '<!-- generated:state-machine-diagram:end -->';

const FIX_WORDS = {
  'in-place': 'in place',
  recreate: 'recreate',
  guidance: 'guidance only',
} as const;

/** The engine column: the engine and whether this version builds it. */
function engineCell(control: ControlDefinition): string {
  const fix = control.module.fix;
  if (!('engine' in fix)) return 'none (the finding gets the steps)';
  return control.remediation ? `\`${fix.engine}\`` : `\`${fix.engine}\` (not built yet: notify)`;
}

/** The IAM a control's fix needs, by who calls. */
function iamLines(control: ControlDefinition): string[] {
  const fix = control.module.fix;
  const describe = `\`sagemaker:${resourceKind(control.kind).describe.operation}\` on the ${resourceKind(control.kind).label}`;
  const lines = [
    `  - plan-remediation: ${describe}${control.module.needsTags ? ', `sagemaker:ListTags`' : ''}`,
  ];
  if (!('calls' in fix)) return lines;
  const callers = [...new Set(fix.calls.map((call) => call.by))];
  for (const caller of callers) {
    const calls = fix.calls
      .filter((call) => call.by === caller)
      .map((call) => `\`${call.action}\` on ${call.on === '*' ? '`*`' : `${call.on}`}`);
    lines.push(`  - ${caller}: ${calls.join(', ')}`);
  }
  return lines;
}

export function renderControlsDocument(): string {
  const rows = CONTROLS.map((control) => {
    const modes = allowedModes(control)
      .map((mode) => (mode === defaultMode(control) ? `**${mode}**` : mode))
      .join(', ');
    return `| ${control.id} | ${control.title} | ${resourceKind(control.kind).label} | ${control.severity} | \`${control.checks}\` | ${FIX_WORDS[control.fix]} | ${engineCell(control)} | ${modes} |`;
  });
  return [
    '# SageMaker controls',
    '',
    '<!-- Generated from the control modules (handlers/shared/controls/) by `npm run docs`; do not edit by hand. -->',
    '',
    'Every Security Hub CSPM control for SageMaker, what it checks, how it can be fixed and what this',
    'project does about it. Each control is one module in `handlers/shared/controls/`. The default mode',
    'is in bold; set another in the `remediation.modes` context (see [configuration](configuration.md)).',
    'A control in `off` mode is left out of the EventBridge rule.',
    '',
    '| Control | Fails when | Resource | Severity | Field | Fix | Engine | Modes |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Per control: the fix, its IAM and the guidance',
    '',
    "The IAM lists the calls each principal makes on the resource for this control (the engines' own",
    'tables, bucket and topic are granted by the stack). The guidance is what the workflow writes on a',
    "finding it does not remediate, with the resource's own name in place of `<name>`.",
    '',
    ...CONTROLS.flatMap((control) => [
      `### ${control.id}`,
      '',
      ...('change' in control.module.fix ? [`- Fix: ${control.module.fix.change}`] : []),
      '- IAM:',
      ...iamLines(control),
      `- Guidance: ${control.guidance('<name>')}`,
      '',
    ]),
  ].join('\n');
}

/** Replaces the block between two markers of a document, or fails if the markers are missing. */
function replaceBlock(document: string, startMarker: string, endMarker: string, content: string): string {
  const start = document.indexOf(startMarker);
  const end = document.indexOf(endMarker);
  if (start < 0 || end < start)
    throw new Error(`the document lacks the markers ${startMarker} ... ${endMarker}`);
  return `${document.slice(0, start)}${startMarker}\n${content}\n${document.slice(end)}`;
}

/** The definition as the stack deploys it by default (the recreation included, 7-day approval window). */
const deployedDefinition = () => buildRemediationDefinition(definitionOptionsFor(loadConfiguration({})));

export function withDiagram(document: string): string {
  const diagram = ['```mermaid', renderStateDiagram(deployedDefinition()), '```'].join('\n');
  return replaceBlock(document, DIAGRAM_START, DIAGRAM_END, diagram);
}

/**
 * docs/performance.md with the workflow table and the `controls.<id>` rows measured now (the figures
 * are deterministic) and the copy throughput model's rates. The large-volume figures are not regenerated here: they take minutes
 * of real time, so the document quotes a dated `npm run bench` run instead.
 */
export async function withWorkflowFigures(document: string): Promise<string> {
  const figures = replaceBlock(
    document,
    FIGURES_START,
    FIGURES_END,
    renderWorkflowTable(await measureWorkflows()),
  );
  const controls = replaceBlock(
    figures,
    CONTROL_FIGURES_START,
    CONTROL_FIGURES_END,
    renderControlTable(await measureControls()),
  );
  return replaceBlock(controls, COPY_MODEL_START, COPY_MODEL_END, renderCopyModel());
}
