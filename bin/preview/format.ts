/**
 * The preview's report as people read it (a table, then each row's steps) or as scripts read it (JSON).
 */
import { RESOURCE_KINDS } from '../../handlers/shared/controls/resource-kinds.js';
import type { Outcome, PreviewReport, PreviewRow } from './plan.js';

/** The outcome in the table, in words. */
export const OUTCOME_WORDS: Readonly<Record<Outcome, string>> = {
  automatic: 'fixed at once',
  'after-approval': 'fixed after approval',
  'dry-run': 'dry run: planned only',
  notify: 'notified, not changed',
  ignored: 'ignored (off)',
  exempt: 'exempt, not changed',
  'needs-configuration': 'needs configuration',
  'needs-attention': 'needs attention',
  'out-of-scope': 'out of scope',
};

const STRATEGY_WORDS: Readonly<Record<PreviewRow['strategy'], string>> = {
  'in-place': 'in place',
  recreate: 'recreate',
  guidance: 'guidance',
};

/** 0 as "none", otherwise minutes and seconds ("5:00", "1:02:30"). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return 'none';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

const resourceCell = (row: PreviewRow): string =>
  `${row.kind}/${row.resource}${row.status ? ` (${row.status})` : ''}`;

function table(header: readonly string[], lines: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(header), ...lines.map(render)];
}

/** The table's cells of a row: resource, control, strategy, mode, outcome, approval, exempt, downtime. */
export function tableCells(row: PreviewRow): string[] {
  return [
    resourceCell(row),
    row.control,
    STRATEGY_WORDS[row.strategy],
    row.mode,
    OUTCOME_WORDS[row.outcome],
    row.approvalRequired ? 'yes' : 'no',
    row.exempt ? 'yes' : 'no',
    formatDuration(row.downtime.seconds),
  ];
}

const TABLE_HEADER = ['RESOURCE', 'CONTROL', 'STRATEGY', 'MODE', 'OUTCOME', 'APPROVAL', 'EXEMPT', 'DOWNTIME'];

function readSummary(report: PreviewReport): string {
  const read = [...RESOURCE_KINDS.values()]
    .filter((facts) => report.counts[facts.kind] !== undefined)
    .map(
      (facts) => `${report.counts[facts.kind]} ${facts.label}${report.counts[facts.kind] === 1 ? '' : 's'}`,
    );
  return `Read ${read.join(', ')}.`;
}

/** The report for a terminal. */
export function formatReport(report: PreviewReport): string {
  const { configuration } = report;
  const lines = [
    `SageMaker remediation preview: account ${report.accountId}, Region ${report.region}. Nothing was changed.`,
    `Configuration: the "remediation" context of ${configuration.path}; dry run ${configuration.dryRun ? 'on' : 'off'}; exemption tag ${configuration.exemptionTag}; scope: ${configuration.scope}.`,
    readSummary(report),
  ];
  if (report.rows.length === 0) {
    lines.push('', 'No resource fails a control: the deployment would have nothing to do here.');
    return lines.join('\n');
  }
  lines.push(
    `${report.failingResources} resource${report.failingResources === 1 ? '' : 's'} fail${report.failingResources === 1 ? 's' : ''} ${report.rows.length} control${report.rows.length === 1 ? '' : 's'}:`,
    '',
    ...table(TABLE_HEADER, report.rows.map(tableCells)),
    '',
    'Details:',
  );
  for (const row of report.rows) {
    lines.push(
      '',
      `${resourceCell(row)}: ${row.control} ${row.title} (${row.severity})`,
      `  outcome:  ${OUTCOME_WORDS[row.outcome]}${row.reason ? `: ${row.reason}` : ''}`,
      `  fix:      ${row.change}`,
      ...(row.steps.length > 0
        ? ['  steps:', ...row.steps.map((step, index) => `    ${index + 1}. ${step}`)]
        : []),
      `  snapshot: ${row.snapshot}`,
      `  downtime: ${formatDuration(row.downtime.seconds)} (${row.downtime.basis})`,
    );
  }
  return lines.join('\n');
}

/** The report for scripts: the same facts, downtime in seconds. */
export function formatJson(report: PreviewReport): string {
  return JSON.stringify(report, null, 2);
}
