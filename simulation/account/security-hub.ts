/**
 * Security Hub CSPM findings: import (as a finding provider), BatchUpdateFindings with the real limits
 * and partial failures, and the Imported event every change produces.
 */

import type {
  AwsSecurityFinding,
  AwsSecurityFindingIdentifier,
  BatchUpdateFindingsRequest,
  ComplianceStatus,
  RecordState,
  WorkflowStatus,
} from '@aws-sdk/client-securityhub';
import type { SimulatedClock } from './clock.js';
import { IdSequence } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import type { SimulatedEventBus } from './event-bus.js';
import { InputReader, isRecord } from './input-reader.js';
import { eventTime } from './sample-findings.js';
import { SimulatedOcsfFindings } from './security-hub-v2.js';

const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const VERIFICATION_STATES = ['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE'] as const;
const NORMALIZED: Record<(typeof SEVERITY_LABELS)[number], number> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

/** Error codes BatchUpdateFindings reports per finding, with the messages the API reference lists. */
export type UnprocessedErrorCode =
  | 'ConcurrentUpdateError'
  | 'DuplicatedFindingIdentifier'
  | 'FindingNotFound'
  | 'FindingSizeExceeded'
  | 'InternalFailure'
  | 'InvalidInput';

const UNPROCESSED_MESSAGES: Record<UnprocessedErrorCode, string> = {
  ConcurrentUpdateError: 'Concurrent finding updates detected',
  DuplicatedFindingIdentifier: 'Finding Identifier is duplicated',
  FindingNotFound: 'Finding Not Found',
  FindingSizeExceeded: 'Finding size exceeded 240 KB',
  InternalFailure: 'Internal service failure',
  InvalidInput: 'Invalid Input',
};

export interface FindingIdentifier {
  Id: string;
  ProductArn: string;
}

export interface BatchUpdateFindingsResult {
  ProcessedFindings: FindingIdentifier[];
  UnprocessedFindings: { FindingIdentifier: FindingIdentifier; ErrorCode: string; ErrorMessage: string }[];
}

export type FindingChangeSource = 'import' | 'BatchUpdateFindings' | 'reevaluation';

export interface FindingHistoryEntry {
  readonly at: Date;
  readonly source: FindingChangeSource;
  /** The request (BatchUpdateFindings) or the changed fields (import, reevaluation). */
  readonly changes: Readonly<Record<string, unknown>>;
  /** The finding after the change. */
  readonly finding: AwsSecurityFinding;
}

export interface SimulatedSecurityHubOptions {
  readonly accountId?: string;
  readonly region?: string;
  /**
   * Virtual delay before a BatchUpdateFindings change is visible and its event sent. AWS says
   * processing can take several minutes; 0 (the default) applies changes within the call.
   */
  readonly updateProcessingDelayMs?: number;
}

interface StoredFinding {
  finding: AwsSecurityFinding;
  readonly history: FindingHistoryEntry[];
}

export class SimulatedSecurityHub {
  readonly accountId: string;
  readonly region: string;
  private readonly updateProcessingDelayMs: number;
  private readonly findings = new Map<string, StoredFinding>();
  private readonly eventIds = new IdSequence('securityhub-event');
  private readonly injectedUnprocessed = new Map<string, UnprocessedErrorCode>();
  /** The new Security Hub's OCSF findings (Findings Imported V2, BatchUpdateFindingsV2). */
  readonly ocsf: SimulatedOcsfFindings;

  constructor(
    private readonly clock: SimulatedClock,
    private readonly bus: SimulatedEventBus,
    options: SimulatedSecurityHubOptions = {},
  ) {
    this.accountId = options.accountId ?? '111122223333';
    this.region = options.region ?? 'eu-west-1';
    this.updateProcessingDelayMs = options.updateProcessingDelayMs ?? 0;
    this.ocsf = new SimulatedOcsfFindings(clock, bus, { accountId: this.accountId, region: this.region });
  }

  /**
   * Stores a finding as its provider would (BatchImportFindings) and sends the Imported event. A
   * re-import keeps what customers set with BatchUpdateFindings, as Security Hub does.
   */
  importFinding(finding: AwsSecurityFinding): AwsSecurityFinding {
    const { Id: id, ProductArn: productArn } = finding;
    if (id === undefined || productArn === undefined) {
      throw new Error('importFinding: a finding needs Id and ProductArn');
    }
    const key = findingKey(id, productArn);
    const existing = this.findings.get(key);
    const stored = structuredClone(finding);
    if (existing !== undefined) {
      const previous = existing.finding;
      for (const field of [
        'Note',
        'Workflow',
        'UserDefinedFields',
        'VerificationState',
        'Confidence',
      ] as const) {
        if (previous[field] !== undefined) {
          Object.assign(stored, { [field]: structuredClone(previous[field]) });
        }
      }
    }
    const entry = existing ?? { finding: stored, history: [] };
    entry.finding = stored;
    this.findings.set(key, entry);
    this.record(entry, 'import', { Id: id });
    this.emit(stored);
    return structuredClone(stored);
  }

  getFinding(id: string, productArn?: string): AwsSecurityFinding | undefined {
    const entry = this.lookup(id, productArn);
    return entry === undefined ? undefined : structuredClone(entry.finding);
  }

  /** Every change to the finding, oldest first. */
  updateHistory(id: string, productArn?: string): FindingHistoryEntry[] {
    return this.lookup(id, productArn)?.history.map((entry) => structuredClone(entry)) ?? [];
  }

  /** The next BatchUpdateFindings naming this finding reports it unprocessed with this code. */
  injectUnprocessed(id: string, errorCode: UnprocessedErrorCode): void {
    this.injectedUnprocessed.set(id, errorCode);
  }

  /**
   * Security Hub re-evaluating the control (or the resource being deleted), with its automatic
   * workflow rules: PASSED resolves a NEW or NOTIFIED finding; failing again after PASSED, or an
   * ARCHIVED finding becoming ACTIVE, resets a NOTIFIED or RESOLVED finding to NEW.
   */
  reevaluate(id: string, change: { complianceStatus?: ComplianceStatus; recordState?: RecordState }): void {
    const entry = this.lookup(id);
    if (entry === undefined) {
      throw new Error(`reevaluate: no finding ${id}`);
    }
    const finding = entry.finding;
    const now = this.clock.now().toISOString();
    const previousCompliance = finding.Compliance?.Status;
    const previousRecordState = finding.RecordState;
    const workflow = finding.Workflow?.Status;
    if (change.complianceStatus !== undefined) {
      finding.Compliance = { ...finding.Compliance, Status: change.complianceStatus };
    }
    if (change.recordState !== undefined) {
      finding.RecordState = change.recordState;
    }
    const compliance = finding.Compliance?.Status;
    let nextWorkflow: WorkflowStatus | undefined;
    if (
      compliance === 'PASSED' &&
      previousCompliance !== 'PASSED' &&
      (workflow === 'NEW' || workflow === 'NOTIFIED')
    ) {
      nextWorkflow = 'RESOLVED';
    }
    const failingAgain = previousCompliance === 'PASSED' && compliance !== 'PASSED';
    const reactivated = previousRecordState === 'ARCHIVED' && finding.RecordState === 'ACTIVE';
    if ((failingAgain || reactivated) && (workflow === 'NOTIFIED' || workflow === 'RESOLVED')) {
      nextWorkflow = 'NEW';
    }
    if (nextWorkflow !== undefined) {
      finding.Workflow = { Status: nextWorkflow };
    }
    finding.UpdatedAt = now;
    finding.LastObservedAt = now;
    finding.ProcessedAt = now;
    this.record(entry, 'reevaluation', {
      ...change,
      ...(nextWorkflow === undefined ? {} : { workflow: nextWorkflow }),
    });
    this.emit(finding);
  }

  batchUpdateFindings(input: BatchUpdateFindingsRequest): BatchUpdateFindingsResult {
    const operation = 'BatchUpdateFindings';
    const invalid = (message: string) =>
      new AwsServiceError({ service: 'SecurityHub', operation, code: 'InvalidInputException', message });
    const reader = InputReader.of(input, invalid);
    reader.rejectUnknown([
      'FindingIdentifiers',
      'Note',
      'Severity',
      'VerificationState',
      'Confidence',
      'Criticality',
      'Types',
      'UserDefinedFields',
      'Workflow',
      'RelatedFindings',
    ]);
    const identifiers = this.readIdentifiers(
      reader.optionalList('FindingIdentifiers'),
      invalid,
      'FindingIdentifiers',
      100,
    );
    if (identifiers.length === 0) {
      throw invalid(
        'Invalid parameter FindingIdentifiers: between 1 and 100 finding identifiers are required.',
      );
    }
    const update = this.readUpdate(reader, invalid);
    const counts = new Map<string, number>();
    for (const identifier of identifiers) {
      const key = findingKey(identifier.Id, identifier.ProductArn);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const result: BatchUpdateFindingsResult = { ProcessedFindings: [], UnprocessedFindings: [] };
    const toApply: StoredFinding[] = [];
    for (const identifier of identifiers) {
      const key = findingKey(identifier.Id, identifier.ProductArn);
      const entry = this.findings.get(key);
      const injected = this.injectedUnprocessed.get(identifier.Id);
      let errorCode: UnprocessedErrorCode | undefined;
      if ((counts.get(key) ?? 0) > 1) {
        errorCode = 'DuplicatedFindingIdentifier';
      } else if (entry === undefined) {
        errorCode = 'FindingNotFound';
      } else if (injected !== undefined) {
        errorCode = injected;
        this.injectedUnprocessed.delete(identifier.Id);
      }
      if (errorCode !== undefined || entry === undefined) {
        const code = errorCode ?? 'FindingNotFound';
        result.UnprocessedFindings.push({
          FindingIdentifier: { ...identifier },
          ErrorCode: code,
          ErrorMessage: UNPROCESSED_MESSAGES[code],
        });
        continue;
      }
      result.ProcessedFindings.push({ ...identifier });
      toApply.push(entry);
    }
    const apply = (): void => {
      for (const entry of toApply) {
        this.applyUpdate(entry, update, input);
      }
    };
    if (this.updateProcessingDelayMs > 0) {
      void this.clock.sleep(this.updateProcessingDelayMs).then(apply);
    } else {
      apply();
    }
    return result;
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside the operation; the cast only names the shape.
    return {
      BatchUpdateFindings: (input) => this.batchUpdateFindings(input as BatchUpdateFindingsRequest),
      ...this.ocsf.operations(),
    };
  }

  private lookup(id: string, productArn?: string): StoredFinding | undefined {
    if (productArn !== undefined) {
      return this.findings.get(findingKey(id, productArn));
    }
    return [...this.findings.values()].find((entry) => entry.finding.Id === id);
  }

  private applyUpdate(entry: StoredFinding, update: FindingUpdate, request: unknown): void {
    const finding = entry.finding;
    const now = this.clock.now().toISOString();
    if (update.workflowStatus !== undefined) finding.Workflow = { Status: update.workflowStatus };
    if (update.note !== undefined) finding.Note = { ...update.note, UpdatedAt: now };
    if (update.severityLabel !== undefined) {
      finding.Severity = {
        ...finding.Severity,
        Label: update.severityLabel,
        Normalized: NORMALIZED[update.severityLabel],
      };
    }
    if (update.verificationState !== undefined) finding.VerificationState = update.verificationState;
    if (update.confidence !== undefined) finding.Confidence = update.confidence;
    if (update.criticality !== undefined) finding.Criticality = update.criticality;
    if (update.types !== undefined) finding.Types = [...update.types];
    if (update.userDefinedFields !== undefined) {
      finding.UserDefinedFields = { ...finding.UserDefinedFields, ...update.userDefinedFields };
    }
    if (update.relatedFindings !== undefined)
      finding.RelatedFindings = update.relatedFindings.map((related) => ({ ...related }));
    // BatchUpdateFindings does not change UpdatedAt (the provider's field); ProcessedAt does move.
    finding.ProcessedAt = now;
    this.record(entry, 'BatchUpdateFindings', isRecord(request) ? request : {});
    this.emit(finding);
  }

  private readUpdate(reader: InputReader, invalid: (message: string) => AwsServiceError): FindingUpdate {
    const update: FindingUpdate = {};
    const note = reader.optionalRecord('Note');
    if (note !== undefined) {
      const noteReader = InputReader.of(note, invalid);
      noteReader.rejectUnknown(['Text', 'UpdatedBy']);
      update.note = {
        Text: noteReader.requiredString('Text', { minLength: 1, maxLength: 512 }),
        UpdatedBy: noteReader.requiredString('UpdatedBy', { minLength: 1, maxLength: 512 }),
      };
    }
    const workflow = reader.optionalRecord('Workflow');
    if (workflow !== undefined) {
      const workflowReader = InputReader.of(workflow, invalid);
      workflowReader.rejectUnknown(['Status']);
      const status = workflowReader.optionalString('Status', { allowed: WORKFLOW_STATUSES });
      if (status !== undefined) update.workflowStatus = status as WorkflowStatus;
    }
    const severity = reader.optionalRecord('Severity');
    if (severity !== undefined) {
      const severityReader = InputReader.of(severity, invalid);
      severityReader.rejectUnknown(['Label', 'Normalized', 'Product']);
      const label = severityReader.optionalString('Label', { allowed: SEVERITY_LABELS });
      severityReader.optionalInteger('Normalized', { min: 0, max: 100 });
      if (label !== undefined) update.severityLabel = label as (typeof SEVERITY_LABELS)[number];
    }
    const verification = reader.optionalString('VerificationState', { allowed: VERIFICATION_STATES });
    if (verification !== undefined)
      update.verificationState = verification as (typeof VERIFICATION_STATES)[number];
    const confidence = reader.optionalInteger('Confidence', { min: 0, max: 100 });
    if (confidence !== undefined) update.confidence = confidence;
    const criticality = reader.optionalInteger('Criticality', { min: 0, max: 100 });
    if (criticality !== undefined) update.criticality = criticality;
    const types = reader.optionalStringList('Types', { maxItems: 50, item: { minLength: 1 } });
    if (types !== undefined) update.types = types;
    const fields = reader.optionalRecord('UserDefinedFields');
    if (fields !== undefined) {
      const entries = Object.entries(fields);
      if (entries.length > 50) {
        throw invalid(
          `Invalid parameter UserDefinedFields: at most 50 key-value pairs are allowed (${entries.length}).`,
        );
      }
      const userDefinedFields: Record<string, string> = {};
      for (const [key, value] of entries) {
        if (
          key.length < 1 ||
          key.length > 128 ||
          typeof value !== 'string' ||
          value.length < 1 ||
          value.length > 1024
        ) {
          throw invalid(
            `Invalid parameter UserDefinedFields: keys must be 1-128 and values 1-1024 characters (key ${key}).`,
          );
        }
        userDefinedFields[key] = value;
      }
      update.userDefinedFields = userDefinedFields;
    }
    const related = reader.optionalList('RelatedFindings');
    if (related !== undefined) {
      update.relatedFindings = this.readIdentifiers(related, invalid, 'RelatedFindings', 10);
    }
    return update;
  }

  private readIdentifiers(
    list: readonly unknown[] | undefined,
    invalid: (message: string) => AwsServiceError,
    member: string,
    max: number,
  ): FindingIdentifier[] {
    if (list === undefined) {
      return [];
    }
    if (list.length > max) {
      throw invalid(
        `Invalid parameter ${member}: at most ${max} finding identifiers are allowed (${list.length}).`,
      );
    }
    return list.map((item) => {
      const identifier = InputReader.of(item, invalid);
      identifier.rejectUnknown(['Id', 'ProductArn']);
      return {
        Id: identifier.requiredString('Id', { minLength: 1, maxLength: 512 }),
        ProductArn: identifier.requiredString('ProductArn', { minLength: 1, maxLength: 512 }),
      } satisfies AwsSecurityFindingIdentifier;
    });
  }

  private record(
    entry: StoredFinding,
    source: FindingChangeSource,
    changes: Readonly<Record<string, unknown>>,
  ): void {
    entry.history.push({
      at: this.clock.now(),
      source,
      changes: structuredClone(changes),
      finding: structuredClone(entry.finding),
    });
  }

  private emit(finding: AwsSecurityFinding): void {
    this.bus.putEvent({
      version: '0',
      id: this.eventIds.next(),
      'detail-type': 'Security Hub Findings - Imported',
      source: 'aws.securityhub',
      // Delivered to this account's bus in its Region: the administrator's, in the aggregation Region,
      // for the findings of member accounts and linked Regions too (the finding keeps its own).
      account: this.accountId,
      region: this.region,
      time: eventTime(this.clock.now()),
      resources: [finding.Id ?? ''],
      detail: { findings: [structuredClone(finding)] },
    });
  }
}

interface FindingUpdate {
  note?: { Text: string; UpdatedBy: string };
  workflowStatus?: WorkflowStatus;
  severityLabel?: (typeof SEVERITY_LABELS)[number];
  verificationState?: (typeof VERIFICATION_STATES)[number];
  confidence?: number;
  criticality?: number;
  types?: string[];
  userDefinedFields?: Record<string, string>;
  relatedFindings?: FindingIdentifier[];
}

function findingKey(id: string, productArn: string): string {
  return `${productArn}|${id}`;
}
