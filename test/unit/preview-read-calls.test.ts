/**
 * The preview's calls: one list (PREVIEW_CALLS), every one a read, the only operations the reader can
 * send, and exactly the actions docs/preview.md documents.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSageMakerReader, SAGEMAKER_COMMANDS } from '../../bin/preview/account-reader.js';
import { withPreviewPermissions } from '../../bin/preview/permissions-doc.js';
import {
  actionOf,
  PREVIEW_ACTIONS,
  PREVIEW_CALLS,
  previewPolicy,
  READ_ONLY_OPERATION,
} from '../../bin/preview/read-calls.js';

const DOCUMENT = 'docs/preview.md';

describe('the calls the preview makes', () => {
  it('Given the list of calls, When each is checked, Then every one is a List, Describe or Get', () => {
    // When
    const writes = PREVIEW_CALLS.filter((call) => !READ_ONLY_OPERATION.test(call.operation));

    // Then
    expect(writes).toEqual([]);
    expect(PREVIEW_CALLS).toHaveLength(28);
  });

  it('Given the list of calls, When the IAM actions are derived, Then they are exactly these', () => {
    // Then
    expect(PREVIEW_ACTIONS).toEqual([
      'sagemaker:DescribeAppImageConfig',
      'sagemaker:DescribeDataQualityJobDefinition',
      'sagemaker:DescribeEndpoint',
      'sagemaker:DescribeEndpointConfig',
      'sagemaker:DescribeFeatureGroup',
      'sagemaker:DescribeImage',
      'sagemaker:DescribeInferenceExperiment',
      'sagemaker:DescribeModel',
      'sagemaker:DescribeModelBiasJobDefinition',
      'sagemaker:DescribeModelExplainabilityJobDefinition',
      'sagemaker:DescribeModelQualityJobDefinition',
      'sagemaker:DescribeMonitoringSchedule',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:ListAppImageConfigs',
      'sagemaker:ListDataQualityJobDefinitions',
      'sagemaker:ListEndpointConfigs',
      'sagemaker:ListEndpoints',
      'sagemaker:ListFeatureGroups',
      'sagemaker:ListImages',
      'sagemaker:ListInferenceExperiments',
      'sagemaker:ListModelBiasJobDefinitions',
      'sagemaker:ListModelExplainabilityJobDefinitions',
      'sagemaker:ListModelQualityJobDefinitions',
      'sagemaker:ListModels',
      'sagemaker:ListMonitoringSchedules',
      'sagemaker:ListNotebookInstances',
      'sagemaker:ListTags',
      'sts:GetCallerIdentity',
    ]);
  });

  it('Given the SDK commands the reader can send, When compared with the list, Then they are its SageMaker calls, each its own command', () => {
    // When
    const sageMakerOperations = PREVIEW_CALLS.filter((call) => call.service === 'SageMaker').map(
      (call) => call.operation,
    );

    // Then
    expect(Object.keys(SAGEMAKER_COMMANDS).sort()).toEqual([...sageMakerOperations].sort());
    for (const [operation, command] of Object.entries(SAGEMAKER_COMMANDS)) {
      expect(command.name).toBe(`${operation}Command`);
    }
  });

  it('Given a listing that names an operation not on the list, When the reader is asked for it, Then it refuses before sending anything', async () => {
    // Given
    const sent: unknown[] = [];
    const reader = createSageMakerReader({
      send: async (command: never) => {
        sent.push(command);
        return {};
      },
    });

    // When
    const names = reader.names({ operation: 'DeleteModel', items: 'Models', name: 'ModelName' });

    // Then
    await expect(names).rejects.toThrow('The preview makes no DeleteModel call: it is not in PREVIEW_CALLS');
    expect(sent).toEqual([]);
  });

  it('Given docs/preview.md, When its IAM section is generated again, Then nothing changes (run `npm run docs` after changing the calls)', () => {
    // Given
    const document = readFileSync(DOCUMENT, 'utf8');

    // Then
    expect(document).toBe(withPreviewPermissions(document));
  });

  it('Given docs/preview.md, When its actions are read, Then the table lists exactly the actions of the calls and the policy exactly the SageMaker ones', () => {
    // Given
    const document = readFileSync(DOCUMENT, 'utf8');

    // When
    const tableActions = [...document.matchAll(/^\| [A-Za-z]+ [A-Za-z]+ \| `([a-z]+:[A-Za-z]+)` \|/gm)].map(
      (match) => match[1],
    );
    const policyText = /```json\n([\s\S]*?)\n```/.exec(document)?.[1] ?? '{}';
    const policy = JSON.parse(policyText) as { Statement: { Action: string[]; Resource: string }[] };

    // Then
    expect(tableActions).toEqual(PREVIEW_CALLS.map(actionOf));
    expect([...new Set(tableActions)].sort()).toEqual(PREVIEW_ACTIONS);
    expect(policy).toEqual(previewPolicy());
    expect(policy.Statement.flatMap((statement) => statement.Action)).toEqual(
      PREVIEW_ACTIONS.filter((action) => action !== 'sts:GetCallerIdentity'),
    );
  });
});
