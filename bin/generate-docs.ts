/** `npm run docs`: regenerates docs/controls.md, the diagram in docs/architecture.md and the workflow figures in docs/performance.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderControlsDocument, withDiagram, withWorkflowFigures } from './documentation.js';
import { withPreviewPermissions } from './preview/permissions-doc.js';

const architecture = 'docs/architecture.md';
writeFileSync('docs/controls.md', renderControlsDocument());
writeFileSync(architecture, withDiagram(readFileSync(architecture, 'utf8')));
const performance = 'docs/performance.md';
writeFileSync(performance, await withWorkflowFigures(readFileSync(performance, 'utf8')));
const preview = 'docs/preview.md';
writeFileSync(preview, withPreviewPermissions(readFileSync(preview, 'utf8')));
console.log(
  'Wrote docs/controls.md, the diagram in docs/architecture.md, the figures in docs/performance.md, the IAM section of docs/preview.md',
);
