/**
 * The new Security Hub's OCSF findings: import (as Security Hub's own controls would produce them),
 * BatchUpdateFindingsV2 (status_id, severity_id, comment) with per-finding failures, and the
 * `Findings Imported V2` event every change produces (tests read findings back directly).
 */

import type { SimulatedClock } from './clock.js';
import { IdSequence } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import type { SimulatedEventBus } from './event-bus.js';
import { InputReader, isRecord } from './input-reader.js';
import { eventTime } from './sample-findings.js';

/** An OCSF finding as stored: only the fields the simulation reads are typed. */
export interface OcsfFindingRecord {
  readonly class_uid: number;
  status_id: number;
  status?: string;
  comment?: string;
  severity_id?: number;
  readonly metadata: {
    readonly uid: string;
    readonly product: { readonly uid: string } & Record<string, unknown>;
  } & Record<string, unknown>;
  readonly finding_info: { readonly uid: string } & Record<string, unknown>;
  readonly cloud: { readonly account: { readonly uid: string }; readonly region: string } & Record<
    string,
    unknown
  >;
  readonly [field: string]: unknown;
}

export interface OcsfFindingIdentifier {
  CloudAccountUid: string;
  FindingInfoUid: string;
  MetadataProductUid: string;
}

export interface OcsfHistoryEntry {
  readonly at: Date;
  readonly source: 'import' | 'BatchUpdateFindingsV2';
  readonly changes: Readonly<Record<string, unknown>>;
  readonly finding: OcsfFindingRecord;
}

/** OCSF status_id values BatchUpdateFindingsV2 accepts, with the caption Security Hub sets beside them. */
const STATUS_CAPTIONS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
  5: 'Archived',
  6: 'Deleted',
  99: 'Other',
};

export type OcsfUnprocessedCode =
  | 'ConflictException'
  | 'InternalServerException'
  | 'ResourceNotFoundException'
  | 'ValidationException';

interface UnprocessedV2 {
  FindingIdentifier?: OcsfFindingIdentifier;
  MetadataUid?: string;
  ErrorCode: OcsfUnprocessedCode;
  ErrorMessage: string;
}

interface Stored {
  finding: OcsfFindingRecord;
  readonly history: OcsfHistoryEntry[];
}

export class SimulatedOcsfFindings {
  private readonly findings = new Map<string, Stored>();
  private readonly eventIds = new IdSequence('securityhub-v2-event');
  private readonly injected = new Map<string, OcsfUnprocessedCode>();

  constructor(
    private readonly clock: SimulatedClock,
    private readonly bus: SimulatedEventBus,
    /** The account and Region whose bus the events go to (the administrator's aggregation Region). */
    private readonly delivery: { readonly accountId: string; readonly region: string },
  ) {}

  /** Stores a finding as Security Hub would and sends its Findings Imported V2 event. A re-import keeps what customers set. */
  importFinding(finding: OcsfFindingRecord): OcsfFindingRecord {
    const key = keyOf(identifierOf(finding));
    const existing = this.findings.get(key);
    const stored = structuredClone(finding);
    if (existing) {
      for (const field of ['status_id', 'status', 'comment', 'severity_id'] as const) {
        if (existing.finding[field] !== undefined)
          Object.assign(stored, { [field]: existing.finding[field] });
      }
    }
    const entry = existing ?? { finding: stored, history: [] };
    entry.finding = stored;
    this.findings.set(key, entry);
    this.record(entry, 'import', { uid: finding.finding_info.uid });
    this.emit(stored);
    return structuredClone(stored);
  }

  getFinding(findingInfoUid: string): OcsfFindingRecord | undefined {
    const entry = this.lookup(findingInfoUid);
    return entry ? structuredClone(entry.finding) : undefined;
  }

  updateHistory(findingInfoUid: string): OcsfHistoryEntry[] {
    return this.lookup(findingInfoUid)?.history.map((entry) => structuredClone(entry)) ?? [];
  }

  /** The next BatchUpdateFindingsV2 naming this finding reports it unprocessed with this code. */
  injectUnprocessed(findingInfoUid: string, code: OcsfUnprocessedCode): void {
    this.injected.set(findingInfoUid, code);
  }

  batchUpdateFindingsV2(input: unknown): {
    ProcessedFindings: Array<{ FindingIdentifier?: OcsfFindingIdentifier; MetadataUid?: string }>;
    UnprocessedFindings: UnprocessedV2[];
  } {
    const invalid = (message: string) =>
      new AwsServiceError({
        service: 'SecurityHub',
        operation: 'BatchUpdateFindingsV2',
        code: 'ValidationException',
        message,
      });
    const reader = InputReader.of(input, invalid);
    reader.rejectUnknown(['MetadataUids', 'FindingIdentifiers', 'Comment', 'SeverityId', 'StatusId']);
    const metadataUids = reader.optionalStringList('MetadataUids', { item: { minLength: 1 } });
    const identifierList = reader.optionalList('FindingIdentifiers');
    if ((metadataUids === undefined) === (identifierList === undefined)) {
      throw invalid('Exactly one of MetadataUids and FindingIdentifiers is required.');
    }
    const comment = reader.optionalString('Comment', { minLength: 1, maxLength: 512 });
    if (comment !== undefined && !/\S/.test(comment)) throw invalid('Comment must not be blank.');
    const statusId = reader.optionalInteger('StatusId');
    if (statusId !== undefined && STATUS_CAPTIONS[statusId] === undefined) {
      throw invalid(`StatusId ${statusId} is not one of ${Object.keys(STATUS_CAPTIONS).join(', ')}.`);
    }
    const severityId = reader.optionalInteger('SeverityId', { min: 0, max: 99 });
    const targets: Array<{ identifier?: OcsfFindingIdentifier; metadataUid?: string; entry?: Stored }> =
      identifierList !== undefined
        ? identifierList.map((item) => {
            const fields = InputReader.of(item, invalid);
            fields.rejectUnknown(['CloudAccountUid', 'FindingInfoUid', 'MetadataProductUid']);
            const identifier = {
              CloudAccountUid: fields.requiredString('CloudAccountUid', { minLength: 1 }),
              FindingInfoUid: fields.requiredString('FindingInfoUid', { minLength: 1 }),
              MetadataProductUid: fields.requiredString('MetadataProductUid', { minLength: 1 }),
            };
            const entry = this.findings.get(keyOf(identifier));
            return entry ? { identifier, entry } : { identifier };
          })
        : (metadataUids ?? []).map((metadataUid) => {
            const entry = [...this.findings.values()].find(
              (stored) => stored.finding.metadata.uid === metadataUid,
            );
            return entry ? { metadataUid, entry } : { metadataUid };
          });
    const unprocessed: UnprocessedV2[] = [];
    const processed: Array<{ FindingIdentifier?: OcsfFindingIdentifier; MetadataUid?: string }> = [];
    for (const { identifier, metadataUid, entry } of targets) {
      const named = {
        ...(identifier ? { FindingIdentifier: { ...identifier } } : {}),
        ...(metadataUid ? { MetadataUid: metadataUid } : {}),
      };
      const injected = entry ? this.injected.get(entry.finding.finding_info.uid) : undefined;
      if (!entry || injected) {
        if (entry) this.injected.delete(entry.finding.finding_info.uid);
        const code = injected ?? 'ResourceNotFoundException';
        unprocessed.push({ ...named, ErrorCode: code, ErrorMessage: code });
        continue;
      }
      processed.push(named);
      const finding = entry.finding;
      if (statusId !== undefined) {
        finding.status_id = statusId;
        finding.status = STATUS_CAPTIONS[statusId] as string;
      }
      if (comment !== undefined) finding.comment = comment;
      if (severityId !== undefined) finding.severity_id = severityId;
      this.record(entry, 'BatchUpdateFindingsV2', isRecord(input) ? input : {});
      this.emit(finding);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      BatchUpdateFindingsV2: (input) => this.batchUpdateFindingsV2(input),
    };
  }

  private lookup(findingInfoUid: string): Stored | undefined {
    return [...this.findings.values()].find((entry) => entry.finding.finding_info.uid === findingInfoUid);
  }

  private record(
    entry: Stored,
    source: OcsfHistoryEntry['source'],
    changes: Readonly<Record<string, unknown>>,
  ): void {
    entry.history.push({
      at: this.clock.now(),
      source,
      changes: structuredClone(changes),
      finding: structuredClone(entry.finding),
    });
  }

  private emit(finding: OcsfFindingRecord): void {
    this.bus.putEvent({
      version: '0',
      id: this.eventIds.next(),
      'detail-type': 'Findings Imported V2',
      source: 'aws.securityhub',
      // Delivered to this account's bus in its Region, whichever account and Region the finding is of.
      account: this.delivery.accountId,
      region: this.delivery.region,
      time: eventTime(this.clock.now()),
      resources: [finding.metadata.uid],
      detail: { findings: [structuredClone(finding)] },
    });
  }
}

function identifierOf(finding: OcsfFindingRecord): OcsfFindingIdentifier {
  return {
    CloudAccountUid: finding.cloud.account.uid,
    FindingInfoUid: finding.finding_info.uid,
    MetadataProductUid: finding.metadata.product.uid,
  };
}

function keyOf(identifier: OcsfFindingIdentifier): string {
  return `${identifier.CloudAccountUid}|${identifier.MetadataProductUid}|${identifier.FindingInfoUid}`;
}
