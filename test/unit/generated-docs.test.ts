import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderControlsDocument, withDiagram, withWorkflowFigures } from '../../bin/documentation.js';

describe('generated documentation', () => {
  it('docs/controls.md is what the catalogue generates (run `npm run docs` after changing it)', () => {
    expect(readFileSync('docs/controls.md', 'utf8')).toBe(renderControlsDocument());
  });

  it('the diagram in docs/architecture.md is the real state machine (run `npm run docs`)', () => {
    const document = readFileSync('docs/architecture.md', 'utf8');
    expect(document).toBe(withDiagram(document));
  });

  it('the workflow figures in docs/performance.md are what `npm run bench` measures now', async () => {
    const document = readFileSync('docs/performance.md', 'utf8');
    expect(document).toBe(await withWorkflowFigures(document));
  });
});
