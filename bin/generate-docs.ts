/** `npm run docs`: regenerates docs/controls.md and the diagram in docs/architecture.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderControlsDocument, withDiagram } from './documentation.js';

const architecture = 'docs/architecture.md';
writeFileSync('docs/controls.md', renderControlsDocument());
writeFileSync(architecture, withDiagram(readFileSync(architecture, 'utf8')));
console.log('Wrote docs/controls.md and the diagram in docs/architecture.md');
