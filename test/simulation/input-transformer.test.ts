import { describe, expect, it } from 'vitest';
import { applyInputTransformer } from '../../simulation/account/input-transformer.js';

const event = {
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { name: 'execution-0001', status: 'ABORTED', input: '{"big":"x"}', error: null },
};

describe('EventBridge input transformer', () => {
  it('Given placeholders outside quotes, When applied, Then each takes its value as JSON (strings with their quotes, null for null)', () => {
    const input = applyInputTransformer(event, {
      InputPathsMap: { name: '$.detail.name', error: '$.detail.error', type: '$.detail-type' },
      InputTemplate: '{"name":<name>,"error":<error>,"type":<type>}',
    });

    expect(input).toEqual({
      name: 'execution-0001',
      error: null,
      type: 'Step Functions Execution Status Change',
    });
  });

  it('Given a placeholder inside a quoted string, When applied, Then it takes the text, escaped so the JSON stays valid', () => {
    const input = applyInputTransformer(event, {
      InputPathsMap: { input: '$.detail.input', status: '$.detail.status' },
      InputTemplate: '{"text":"ended <status> with <input>","literal":"<notAName> \\"quoted\\""}',
    });

    expect(input).toEqual({ text: 'ended ABORTED with {"big":"x"}', literal: '<notAName> "quoted"' });
  });

  it('Given a path that is not JSONPath from the root, When applied, Then it is refused', () => {
    expect(() =>
      applyInputTransformer(event, { InputPathsMap: { name: 'detail.name' }, InputTemplate: '<name>' }),
    ).toThrow('InputPathsMap path detail.name does not start with $.');
  });

  it('Given a path with an array index, When applied, Then it is refused rather than read as null', () => {
    expect(() =>
      applyInputTransformer(
        { detail: { findings: [{ Id: 'f-1' }] } },
        { InputPathsMap: { id: '$.detail.findings[0].Id' }, InputTemplate: '<id>' },
      ),
    ).toThrow('InputPathsMap path $.detail.findings[0].Id: only dot notation is simulated');
  });
});
