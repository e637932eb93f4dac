import { describe, expect, it } from 'vitest';
import { handler as reportFailure } from '../../handlers/report-failure.js';
import {
  buildPlanningFailureAlert,
  CAUSE_EXCERPT_BYTES,
  cutToBytes,
  FINDING_EXCERPT_BYTES,
  MAX_PLANNING_ALERT_BYTES,
  PLANNING_FAILED_SUBJECT,
} from '../../handlers/shared/planning-failure-alert.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { largeFinding, SECURITY_HUB_MAX_FINDING_BYTES } from './large-finding.js';

const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1';
const FAILURE = { Error: 'ValidationException', Cause: '{"errorType":"ValidationException"}' };
const bytes = (text: string) => Buffer.byteLength(text);

describe('the planning-failure alert', () => {
  it('Given a 240 KB finding, Then the alert names it in full, carries its JSON cut to 16 KiB with a line saying so, and stays far below SNS’s 256 KiB', () => {
    // Given
    const finding = largeFinding(notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' }));
    const json = JSON.stringify(finding);
    expect(bytes(json)).toBeGreaterThan(SECURITY_HUB_MAX_FINDING_BYTES - 1024);
    expect(bytes(json)).toBeLessThanOrEqual(SECURITY_HUB_MAX_FINDING_BYTES);

    // When
    const alert = buildPlanningFailureAlert(importedEvent(finding), FAILURE, EXECUTION);

    // Then
    expect(alert.subject).toBe(PLANNING_FAILED_SUBJECT);
    expect(bytes(alert.message)).toBeLessThanOrEqual(MAX_PLANNING_ALERT_BYTES);
    expect(alert.message).toContain(`Finding: ${finding.Id}`);
    expect(alert.message).toContain('Product: arn:aws:securityhub:eu-west-1::product/aws/securityhub');
    expect(alert.message).toContain('Control: SageMaker.3');
    expect(alert.message).toContain(
      `Resources: arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb, arn:aws:ec2:eu-west-1:111122223333:security-group/sg-00000000000000000, arn:aws:ec2:eu-west-1:111122223333:security-group/sg-00000000000000001 and ${(finding.Resources?.length ?? 0) - 3} more\n`,
    );
    expect(alert.message).toContain('Error: ValidationException');
    expect(alert.message).toContain(`Execution: ${EXECUTION}`);
    const shown = alert.message.slice(alert.message.indexOf('The finding as received:\n') + 25);
    const [excerpt, note] = shown.split('\n[cut: ');
    expect(json.startsWith(excerpt ?? '')).toBe(true);
    expect(bytes(excerpt ?? '')).toBe(FINDING_EXCERPT_BYTES);
    expect(note).toBe(
      `the finding is ${bytes(json)} bytes of JSON; the first ${FINDING_EXCERPT_BYTES} are shown]`,
    );
  });

  it('Given a finding of ordinary size, Then its whole JSON is in the alert and nothing says it was cut', () => {
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    const alert = buildPlanningFailureAlert(importedEvent(finding), FAILURE, EXECUTION);
    expect(alert.message.endsWith(`The finding as received:\n${JSON.stringify(finding)}`)).toBe(true);
    expect(alert.message).not.toContain('[cut');
  });

  it('Given a cause of 40 KB, Then the alert carries its first 4 KiB and says how long it was', () => {
    const cause = 'c'.repeat(40_000);
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    const alert = buildPlanningFailureAlert(
      importedEvent(finding),
      { Error: 'Boom', Cause: cause },
      EXECUTION,
    );
    expect(alert.message).toContain(`Cause: ${'c'.repeat(CAUSE_EXCERPT_BYTES)}… (cut: 40000 bytes)\n`);
  });

  it('Given an input with no finding and 300 KB of other data, Then the alert says so and carries the input cut to 16 KiB', () => {
    const input = { source: 'by hand', data: 'x'.repeat(300_000) };
    const alert = buildPlanningFailureAlert(input, FAILURE, EXECUTION);
    expect(alert.message).toContain(
      'The input holds no finding. The input as received:\n{"source":"by hand"',
    );
    expect(alert.message).toContain(`[cut: the input is ${bytes(JSON.stringify(input))} bytes of JSON;`);
    expect(bytes(alert.message)).toBeLessThanOrEqual(MAX_PLANNING_ALERT_BYTES);
  });

  it('Given identifying fields of 3,000 characters, Then each is cut to 512 bytes and marked', () => {
    const finding = {
      ...notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' }),
      Id: 'i'.repeat(3000),
    };
    const alert = buildPlanningFailureAlert(importedEvent(finding), FAILURE, EXECUTION);
    expect(alert.message).toContain(`Finding: ${'i'.repeat(512)}… (cut)\n`);
  });
});

describe('the ReportFailure function asked for a planning-failed alert', () => {
  it('Given the state of a planning failure with a 240 KB finding and a 40 KB cause, When invoked, Then it answers the bounded alert and the error with its cause cut for the Fail state', async () => {
    // Given what AlertPlanningFailed sends: the event, with the error at `failure`
    const finding = largeFinding(notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' }));
    const failure = { Error: 'ThrottlingException', Cause: 'c'.repeat(40_000) };
    const input = { ...importedEvent(finding), failure };

    // When
    const report = await reportFailure({ kind: 'planning-failed', input, execution: { id: EXECUTION } });

    // Then
    expect(report).toEqual({
      alert: buildPlanningFailureAlert(input, failure, EXECUTION),
      failure: { Error: 'ThrottlingException', Cause: 'c'.repeat(CAUSE_EXCERPT_BYTES) },
    });
    expect(bytes(JSON.stringify(report))).toBeLessThan(MAX_PLANNING_ALERT_BYTES + 8 * 1024);
  });

  it('Given a planning-failed request without the execution, When invoked, Then it is refused', async () => {
    await expect(
      reportFailure({ kind: 'planning-failed', input: { failure: { Error: 'Boom' } } }),
    ).rejects.toThrow('a planning-failed request needs input.failure.Error and execution.id');
  });
});

describe('cutToBytes', () => {
  it('Given text whose limit falls inside a multi-byte character, Then the cut falls before that character', () => {
    // "é" is 2 bytes and "€" 3 in UTF-8
    expect(cutToBytes('aé€', 2)).toEqual({ text: 'a', cut: true, bytes: 6 });
    expect(cutToBytes('aé€', 3)).toEqual({ text: 'aé', cut: true, bytes: 6 });
    expect(cutToBytes('aé€', 5)).toEqual({ text: 'aé', cut: true, bytes: 6 });
    expect(cutToBytes('aé€', 6)).toEqual({ text: 'aé€', cut: false, bytes: 6 });
  });
});
