/**
 * The generated parts of docs/: the controls table (from the catalogue) and the state machine diagram
 * (from the real definition). `npm run docs` writes them; test/unit/generated-docs.test.ts fails when
 * a committed doc no longer matches what would be generated.
 */
import { allowedModes, CONTROLS, defaultMode } from '../handlers/shared/controls-catalogue.js';
import { buildRemediationDefinition } from '../statemachines/remediation-definition.js';
import { renderStateDiagram } from '../statemachines/state-machine-diagram.js';

export const DIAGRAM_START = '<!-- generated:state-machine-diagram:start (npm run docs) -->';
export const DIAGRAM_END = '<!-- generated:state-machine-diagram:end -->';

const FIX_WORDS = {
  'in-place': 'in place',
  recreate: 'recreate',
  guidance: 'guidance only',
} as const;

export function renderControlsDocument(): string {
  const rows = CONTROLS.map((control) => {
    const remediation =
      'remediation' in control ? `\`${control.remediation.name}\`` : 'none (notify with guidance)';
    const modes = allowedModes(control)
      .map((mode) => (mode === defaultMode(control) ? `**${mode}**` : mode))
      .join(', ');
    return `| ${control.id} | ${control.title} | ${control.resourceType.replace('AwsSageMaker', '')} | ${control.severity} | \`${control.checks}\` | ${FIX_WORDS[control.fix]} | ${remediation} | ${modes} |`;
  });
  return [
    '# SageMaker controls',
    '',
    '<!-- Generated from handlers/shared/controls-catalogue.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every Security Hub CSPM control for SageMaker, what it checks, how it can be fixed and what this',
    'project does about it. The default mode is in bold; set another in the `remediation.modes` context',
    '(see [configuration](configuration.md)). A control in `off` mode is left out of the EventBridge rule.',
    '',
    '| Control | Fails when | Resource | Severity | Field | Fix | Remediation | Modes |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## What to do, per control',
    '',
    'This guidance is what the workflow writes on a finding it does not remediate.',
    '',
    ...CONTROLS.map((control) => `- **${control.id}**: ${control.guidance}`),
    '',
  ].join('\n');
}

export function renderDiagramBlock(): string {
  return [
    DIAGRAM_START,
    '```mermaid',
    renderStateDiagram(buildRemediationDefinition()),
    '```',
    DIAGRAM_END,
  ].join('\n');
}

/** Replaces the generated block of a document, or fails if its markers are missing. */
export function withDiagram(document: string): string {
  const start = document.indexOf(DIAGRAM_START);
  const end = document.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) throw new Error('docs/architecture.md lacks the generated diagram markers');
  return `${document.slice(0, start)}${renderDiagramBlock()}${document.slice(end + DIAGRAM_END.length)}`;
}
