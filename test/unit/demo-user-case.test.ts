import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadUserCase, prepareUserCase, type UserCase } from '../../bin/demo-user-case.js';

const FIXTURES = new URL('../fixtures/demo/', import.meta.url);
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
const FINDING = fixture('finding.json');
const NOTEBOOK = fixture('notebook.json');
const SIMULATED = { account: '111122223333', region: 'eu-west-1' };

/** A reader of the given file contents: what the user passed, without touching the disk. */
const files =
  (contents: Readonly<Record<string, unknown>>) =>
  (path: string): string => {
    if (!(path in contents)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    const content = contents[path];
    return typeof content === 'string' ? content : JSON.stringify(content);
  };

const loaded = (result: ReturnType<typeof loadUserCase>): UserCase => {
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('the demo with your own finding and notebook: the files', () => {
  it('a missing file or one that is not JSON is refused naming the option and the file', () => {
    expect(loadUserCase({ findingFile: 'gone.json' }, files({}))).toEqual({
      ok: false,
      message: '--finding gone.json: no such file',
    });
    const notJson = loadUserCase(
      { notebookFile: 'nb.json' },
      files({ 'nb.json': '{"NotebookInstanceName": ' }),
    );
    expect(notJson.ok === false && notJson.message).toMatch(/^--notebook nb\.json: not JSON \(/);
  });

  it('a finding that lacks what the workflow needs is refused with the fields named', () => {
    // Given a finding without Resources, and one whose account id is not one
    const { Resources: _resources, ...noResources } = FINDING;
    const result = loadUserCase(
      { findingFile: 'f.json' },
      files({ 'f.json': { Findings: [{ ...noResources, AwsAccountId: '2109' }] } }),
    );
    // Then both problems are listed, each with its path
    expect(result).toEqual({
      ok: false,
      message: [
        '--finding f.json: not what it should hold:',
        '  Findings.0.AwsAccountId: must be a 12-digit account id',
        '  Findings.0.Resources: Invalid input: expected array, received undefined',
      ].join('\n'),
    });
  });

  it('a notebook description with a wrong value is refused with the field named', () => {
    const result = loadUserCase(
      { notebookFile: 'nb.json' },
      files({ 'nb.json': { ...NOTEBOOK, RootAccess: 'Yes' } }),
    );
    expect(result).toEqual({
      ok: false,
      message: `--notebook nb.json: not what it should hold:\n  RootAccess: Invalid option: expected one of "Enabled"|"Disabled"`,
    });
  });

  it('a finding of another resource, or of another notebook than --notebook describes, is refused', () => {
    const endpoint = { ...FINDING, Compliance: { Status: 'FAILED', SecurityControlId: 'SageMaker.4' } };
    expect(loadUserCase({ findingFile: 'f.json' }, files({ 'f.json': endpoint }))).toEqual({
      ok: false,
      message: '--finding f.json: finding 1 is about SageMaker.4, not a SageMaker notebook instance control',
    });
    expect(
      loadUserCase(
        { findingFile: 'f.json', notebookFile: 'nb.json' },
        files({ 'f.json': FINDING, 'nb.json': { ...NOTEBOOK, NotebookInstanceName: 'other-notebook' } }),
      ),
    ).toEqual({
      ok: false,
      message:
        '--finding f.json is about notebook team-analysis, --notebook nb.json describes other-notebook',
    });
  });

  it('a notebook alone that fails none of the controls it could be tried with is refused', () => {
    const compliant = { ...NOTEBOOK, RootAccess: 'Disabled' };
    expect(loadUserCase({ notebookFile: 'nb.json' }, files({ 'nb.json': compliant }))).toEqual({
      ok: false,
      message:
        '--notebook nb.json: Team-Analysis fails none of SageMaker.1, .2 and .3; give the finding to try with --finding',
    });
  });
});

describe('the demo with your own finding and notebook: into the simulated account', () => {
  it('the finding is moved to the simulated account and Region, and the notebook seeded as described', () => {
    // Given the console's finding and describe-notebook-instance's output, both of 210987654321 in eu-central-1
    const userCase = loaded(
      loadUserCase(
        { findingFile: 'f.json', notebookFile: 'nb.json' },
        files({ 'f.json': FINDING, 'nb.json': NOTEBOOK }),
      ),
    );
    // When prepared for the simulated account
    const prepared = prepareUserCase(userCase, SIMULATED);
    // Then the finding names the simulated account and Region everywhere, and the output says so
    const [finding] = prepared.findings;
    expect(finding?.Id).toBe(
      'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.3/finding/5b0c2a7e-3f41-4d2e-9c1a-6e8f0d2b4a71',
    );
    expect(finding?.AwsAccountId).toBe('111122223333');
    expect(finding?.Resources?.[0]?.Id).toBe(
      'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/team-analysis',
    );
    expect(JSON.stringify(prepared.findings)).not.toMatch(/210987654321|eu-central-1/);
    expect(prepared.notes).toEqual([
      'Your case is of account 210987654321, Region eu-central-1: rewritten to the simulated account 111122223333, Region eu-west-1 (ARNs and ids too).',
      'Lifecycle configuration team-setup: seeded with a placeholder script (the demo does not have yours).',
    ]);
    // And the notebook is seeded with every setting DescribeNotebookInstance gave
    expect(prepared.seed).toEqual({
      name: 'Team-Analysis',
      status: 'InService',
      instanceType: 'ml.t3.large',
      roleArn: 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20250314T160000',
      rootAccess: 'Enabled',
      directInternetAccess: 'Disabled',
      subnetId: 'subnet-0f1e2d3c4b5a69788',
      securityGroupIds: ['sg-0123456789abcdef0'],
      ipAddressType: 'ipv4',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      lifecycleConfigName: 'team-setup',
      volumeSizeInGB: 20,
      additionalCodeRepositories: [],
      platformIdentifier: 'notebook-al2023-v1',
      minimumInstanceMetadataServiceVersion: '2',
      tags: [{ Key: 'team', Value: 'analytics' }],
    });
  });

  it('a finding already acted on is imported as NEW and ACTIVE, and the output says so', () => {
    const notified = { ...FINDING, Workflow: { Status: 'NOTIFIED' }, RecordState: 'ARCHIVED' };
    const prepared = prepareUserCase(
      loaded(loadUserCase({ findingFile: 'f.json' }, files({ 'f.json': { Findings: [notified] } }))),
      SIMULATED,
    );
    expect(prepared.findings[0]?.Workflow).toEqual({ Status: 'NEW' });
    expect(prepared.findings[0]?.RecordState).toBe('ACTIVE');
    expect(prepared.notes).toContain(
      'SageMaker.3: workflow status NOTIFIED, record ARCHIVED: imported as NEW and ACTIVE, as a new failure is (the workflow acts on nothing else).',
    );
    // Without --notebook, the notebook comes from the finding's details
    expect(prepared.notes).toContain('No --notebook: the notebook is made from the details in the finding.');
    expect(prepared.seed.subnetId).toBe('subnet-0f1e2d3c4b5a69788');
  });

  it('a notebook alone gets the findings Security Hub would report for what it fails', () => {
    const exposed = {
      ...NOTEBOOK,
      DirectInternetAccess: 'Enabled',
      SubnetId: undefined,
      SecurityGroups: undefined,
    };
    const prepared = prepareUserCase(
      loaded(loadUserCase({ notebookFile: 'nb.json' }, files({ 'nb.json': exposed }))),
      SIMULATED,
    );
    expect(prepared.findings.map((finding) => finding.Compliance?.SecurityControlId)).toEqual([
      'SageMaker.1',
      'SageMaker.2',
      'SageMaker.3',
    ]);
    expect(prepared.findings.every((finding) => finding.AwsAccountId === '111122223333')).toBe(true);
    // And the notebook's own ARNs say where it was: its key moves to the simulated account and Region
    expect(prepared.notes).toContain(
      'Your case is of account 210987654321, Region eu-central-1: rewritten to the simulated account 111122223333, Region eu-west-1 (ARNs and ids too).',
    );
    expect(prepared.seed.kmsKeyId).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    );
    expect(prepared.notes).toContain(
      'No --finding: made up the findings Security Hub reports for what the notebook fails: SageMaker.1, SageMaker.2, SageMaker.3.',
    );
  });
});
