import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { type EventBridgeEvent, SimulatedEventBus } from '../../simulation/account/event-bus.js';
import {
  customActionEvent,
  importedEvent,
  notebookControlFinding,
  securityHubProductArn,
} from '../../simulation/account/sample-findings.js';
import { SimulatedSecurityHub } from '../../simulation/account/security-hub.js';
import { errorOf } from '../unit/caught-errors.js';

const PRODUCT_ARN = securityHubProductArn('eu-west-1');

function setup() {
  const clock = new SimulatedClock();
  const bus = new SimulatedEventBus(clock);
  const received: EventBridgeEvent[] = [];
  bus.addRule('everything-from-security-hub', { source: ['aws.securityhub'] }, (event) => {
    received.push(event);
  });
  const securityHub = new SimulatedSecurityHub(clock, bus);
  return { clock, bus, received, securityHub };
}

describe('sample findings', () => {
  it('a consolidated SageMaker.3 finding has the ids, generator and resource Security Hub uses', () => {
    // Given / When
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research-NB' });

    // Then
    expect(finding.Id).toMatch(
      /^arn:aws:securityhub:eu-west-1:111122223333:security-control\/SageMaker\.3\/finding\/[0-9a-f-]{36}$/,
    );
    expect(finding).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
      GeneratorId: 'security-control/SageMaker.3',
      AwsAccountId: '111122223333',
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED', SecurityControlId: 'SageMaker.3' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      ProductName: 'Security Hub',
    });
    expect(finding.Resources?.[0]).toMatchObject({
      Type: 'AwsSageMakerNotebookInstance',
      Id: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-nb',
      Details: {
        AwsSageMakerNotebookInstance: { NotebookInstanceName: 'Research-NB', RootAccess: 'Enabled' },
      },
    });
  });

  it('a legacy finding uses the per-standard id and generator, and is deterministic', () => {
    // Given / When
    const first = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb', style: 'legacy' });
    const again = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb', style: 'legacy' });

    // Then
    expect(first.Id).toContain(
      ':subscription/aws-foundational-security-best-practices/v/1.0.0/SageMaker.3/finding/',
    );
    expect(first.GeneratorId).toBe('aws-foundational-security-best-practices/v/1.0.0/SageMaker.3');
    expect(again).toEqual(first);
  });

  it('the Imported and Custom Action events have EventBridge envelopes', () => {
    // Given
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });

    // When
    const imported = importedEvent(finding);
    const custom = customActionEvent([finding], { actionId: 'ApproveFix', actionName: 'Approve fix' });

    // Then
    expect(imported).toMatchObject({
      version: '0',
      'detail-type': 'Security Hub Findings - Imported',
      source: 'aws.securityhub',
      resources: [finding.Id],
      time: '2026-11-23T08:55:00Z',
      detail: { findings: [finding] },
    });
    expect(custom).toMatchObject({
      'detail-type': 'Security Hub Findings - Custom Action',
      resources: ['arn:aws:securityhub:eu-west-1:111122223333:action/custom/ApproveFix'],
      detail: { actionName: 'Approve fix', findings: [finding] },
    });
  });
});

describe('SimulatedSecurityHub', () => {
  it('importing a finding stores it and sends one Imported event', async () => {
    // Given
    const { bus, received, securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });

    // When
    securityHub.importFinding(finding);
    await bus.settled();

    // Then
    expect(securityHub.getFinding(finding.Id ?? '')).toEqual(finding);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      'detail-type': 'Security Hub Findings - Imported',
      resources: [finding.Id],
      detail: { findings: [finding] },
    });
  });

  it('BatchUpdateFindings updates workflow and note, keeps UpdatedAt, and sends one event per finding', async () => {
    // Given
    const { bus, clock, received, securityHub } = setup();
    const findings = ['a', 'b', 'c'].map((name) =>
      notebookControlFinding({ controlId: 'SageMaker.3', notebookName: name }),
    );
    for (const finding of findings) securityHub.importFinding(finding);
    await bus.settled();
    received.length = 0;
    clock.advance(60_000);

    // When
    const result = securityHub.batchUpdateFindings({
      FindingIdentifiers: findings.map((finding) => ({ Id: finding.Id, ProductArn: PRODUCT_ARN })),
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'Remediation started', UpdatedBy: 'sagemaker-remediation' },
    });
    await bus.settled();

    // Then
    expect(result.ProcessedFindings).toHaveLength(3);
    expect(result.UnprocessedFindings).toEqual([]);
    expect(received).toHaveLength(3);
    const updated = securityHub.getFinding(findings[0]?.Id ?? '');
    expect(updated?.Workflow?.Status).toBe('NOTIFIED');
    expect(updated?.Note).toEqual({
      Text: 'Remediation started',
      UpdatedBy: 'sagemaker-remediation',
      UpdatedAt: '2026-11-23T09:01:00.000Z',
    });
    expect(updated?.UpdatedAt).toBe(findings[0]?.UpdatedAt);
    expect(received.map((event) => event.time)).toEqual(Array(3).fill('2026-11-23T09:01:00Z'));
  });

  it('an unknown finding or a wrong ProductArn is reported unprocessed, the rest still updated', () => {
    // Given
    const { securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);
    const id = finding.Id ?? '';

    // When
    const result = securityHub.batchUpdateFindings({
      FindingIdentifiers: [
        { Id: id, ProductArn: PRODUCT_ARN },
        { Id: `${id}-missing`, ProductArn: PRODUCT_ARN },
        { Id: id, ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' },
      ],
      Workflow: { Status: 'RESOLVED' },
    });

    // Then
    expect(result.ProcessedFindings).toEqual([{ Id: id, ProductArn: PRODUCT_ARN }]);
    expect(result.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: { Id: `${id}-missing`, ProductArn: PRODUCT_ARN },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      },
      {
        FindingIdentifier: { Id: id, ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      },
    ]);
    expect(securityHub.getFinding(id)?.Workflow?.Status).toBe('RESOLVED');
  });

  it('a duplicated identifier is reported unprocessed', () => {
    // Given
    const { securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);
    const identifier = { Id: finding.Id ?? '', ProductArn: PRODUCT_ARN };

    // When
    const result = securityHub.batchUpdateFindings({
      FindingIdentifiers: [identifier, identifier],
      Workflow: { Status: 'NOTIFIED' },
    });

    // Then
    expect(result.ProcessedFindings).toEqual([]);
    expect(result.UnprocessedFindings.map((entry) => entry.ErrorCode)).toEqual([
      'DuplicatedFindingIdentifier',
      'DuplicatedFindingIdentifier',
    ]);
  });

  it('an injected ConcurrentUpdateError is reported once', () => {
    // Given
    const { securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);
    securityHub.injectUnprocessed(finding.Id ?? '', 'ConcurrentUpdateError');
    const request = {
      FindingIdentifiers: [{ Id: finding.Id, ProductArn: PRODUCT_ARN }],
      Workflow: { Status: 'NOTIFIED' as const },
    };

    // When
    const first = securityHub.batchUpdateFindings(request);
    const second = securityHub.batchUpdateFindings(request);

    // Then
    expect(first.UnprocessedFindings[0]?.ErrorMessage).toBe('Concurrent finding updates detected');
    expect(second.ProcessedFindings).toHaveLength(1);
  });

  it.each([
    ['no identifiers', { FindingIdentifiers: [], Workflow: { Status: 'NOTIFIED' } }],
    [
      '101 identifiers',
      {
        FindingIdentifiers: Array.from({ length: 101 }, (_, index) => ({
          Id: `f${index}`,
          ProductArn: PRODUCT_ARN,
        })),
        Workflow: { Status: 'NOTIFIED' },
      },
    ],
    [
      'a note without UpdatedBy',
      { FindingIdentifiers: [{ Id: 'f', ProductArn: PRODUCT_ARN }], Note: { Text: 'x' } },
    ],
    [
      'a note text over 512 characters',
      {
        FindingIdentifiers: [{ Id: 'f', ProductArn: PRODUCT_ARN }],
        Note: { Text: 'x'.repeat(513), UpdatedBy: 'me' },
      },
    ],
    [
      'an unknown workflow status',
      { FindingIdentifiers: [{ Id: 'f', ProductArn: PRODUCT_ARN }], Workflow: { Status: 'DONE' } },
    ],
    [
      '51 user-defined fields',
      {
        FindingIdentifiers: [{ Id: 'f', ProductArn: PRODUCT_ARN }],
        UserDefinedFields: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v'])),
      },
    ],
  ])('BatchUpdateFindings with %s: InvalidInputException and nothing changes', (_, request) => {
    // Given
    const { securityHub } = setup();

    // When
    const error = errorOf(() => securityHub.batchUpdateFindings(request as never));

    // Then
    expect(error.name).toBe('InvalidInputException');
  });

  it('a provider re-import keeps the workflow status and note customers set', () => {
    // Given
    const { clock, securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);
    securityHub.batchUpdateFindings({
      FindingIdentifiers: [{ Id: finding.Id, ProductArn: PRODUCT_ARN }],
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'Working on it', UpdatedBy: 'sagemaker-remediation' },
    });
    clock.advance(3_600_000);

    // When
    securityHub.importFinding({ ...finding, UpdatedAt: clock.now().toISOString() });

    // Then
    const stored = securityHub.getFinding(finding.Id ?? '');
    expect(stored?.Workflow?.Status).toBe('NOTIFIED');
    expect(stored?.Note?.Text).toBe('Working on it');
    expect(stored?.UpdatedAt).toBe('2026-11-23T10:00:00.000Z');
  });

  it('history records every change, oldest first', () => {
    // Given
    const { securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);

    // When
    securityHub.batchUpdateFindings({
      FindingIdentifiers: [{ Id: finding.Id, ProductArn: PRODUCT_ARN }],
      Workflow: { Status: 'NOTIFIED' },
    });
    securityHub.reevaluate(finding.Id ?? '', { complianceStatus: 'PASSED' });

    // Then
    const history = securityHub.updateHistory(finding.Id ?? '');
    expect(history.map((entry) => entry.source)).toEqual(['import', 'BatchUpdateFindings', 'reevaluation']);
    expect(history.map((entry) => entry.finding.Workflow?.Status)).toEqual(['NEW', 'NOTIFIED', 'RESOLVED']);
  });

  it('re-evaluation resets a RESOLVED finding to NEW when the control fails again', () => {
    // Given
    const { securityHub } = setup();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);
    securityHub.reevaluate(finding.Id ?? '', { complianceStatus: 'PASSED' });

    // When
    securityHub.reevaluate(finding.Id ?? '', { complianceStatus: 'FAILED' });

    // Then
    expect(securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status).toBe('NEW');
  });

  it('with a processing delay, the update and its event arrive later', async () => {
    // Given
    const clock = new SimulatedClock();
    const bus = new SimulatedEventBus(clock);
    const securityHub = new SimulatedSecurityHub(clock, bus, { updateProcessingDelayMs: 30_000 });
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    securityHub.importFinding(finding);

    // When
    securityHub.batchUpdateFindings({
      FindingIdentifiers: [{ Id: finding.Id, ProductArn: PRODUCT_ARN }],
      Workflow: { Status: 'NOTIFIED' },
    });
    const immediately = securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status;
    await clock.sleep(30_000);

    // Then
    expect(immediately).toBe('NEW');
    expect(securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status).toBe('NOTIFIED');
  });
});

describe('SimulatedEventBus', () => {
  it('delivers after the producing call returns, only to rules whose pattern matches', async () => {
    // Given
    const clock = new SimulatedClock();
    const bus = new SimulatedEventBus(clock);
    const log: string[] = [];
    bus.addRule('ec2', { source: ['aws.ec2'] }, () => {
      log.push('ec2 rule');
    });
    bus.addRule('hub', { source: ['aws.securityhub'] }, () => {
      log.push('hub rule');
    });
    const event = importedEvent(notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' }));

    // When
    bus.putEvent(event);
    log.push('after putEvent');
    await bus.settled();

    // Then
    expect(log).toEqual(['after putEvent', 'hub rule']);
    expect(bus.deliveries.map((delivery) => delivery.rule)).toEqual(['hub']);
  });

  it('refuses an invalid pattern when the rule is added', () => {
    // Given
    const bus = new SimulatedEventBus(new SimulatedClock());

    // When / Then
    expect(() => bus.addRule('bad', { source: 'aws.ec2' }, () => undefined)).toThrow(
      /Event pattern is not valid/,
    );
  });

  it('reports a failing target from settled(), never to the producer', async () => {
    // Given
    const bus = new SimulatedEventBus(new SimulatedClock());
    bus.addRule('broken', { source: ['aws.securityhub'] }, () => {
      throw new Error('target exploded');
    });
    const event = importedEvent(notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' }));

    // When
    expect(() => bus.putEvent(event)).not.toThrow();

    // Then
    await expect(bus.settled()).rejects.toThrow(AggregateError);
  });
});
