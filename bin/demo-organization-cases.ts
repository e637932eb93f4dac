/**
 * The demo's organization cases: notebooks of a member account, in the home Region and in a linked
 * Region, fixed through the member role the StackSet deploys there, and a finding of the new Security Hub (OCSF, Findings Imported V2), fixed and
 * written back with BatchUpdateFindingsV2. Each imports its finding, describes its resource and checks
 * its end state.
 */
import type { SimulatedAccount } from '../simulation/account/account.js';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { ocsfControlFinding } from '../simulation/account/sample-ocsf-findings.js';
import type { LocalDeployment } from '../simulation/runner/local-deployment.js';

export interface DemoOrganizationCase {
  /** What the finding is about, as the import list shows it. */
  readonly why: string;
  /** Security Hub imports the finding (into the administrator account, where every finding is aggregated). */
  importFinding(): void;
  describeNow(): string;
  check(): { readonly ok: boolean; readonly line: string };
}

/** The member account of the demo's organization, with the member stack deployed as the StackSet would. */
export const DEMO_MEMBER_ACCOUNT = '444455556666';

function rootAccessOf(account: SimulatedAccount, name: string) {
  const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
  return { status: notebook.NotebookInstanceStatus, rootAccess: notebook.RootAccess };
}

/** The linked Region of the demo's aggregation, where the member account has a notebook too. */
export const DEMO_LINKED_REGION = 'us-east-1';

/**
 * A root-access notebook of the member account in `region`, fixed through that Region's member role:
 * in the home Region by Step Functions itself, in a linked Region by the member-api-call function.
 */
function memberNotebookCase(
  deployment: LocalDeployment,
  member: SimulatedAccount,
  name: string,
  region: string,
): DemoOrganizationCase {
  const { account: home } = deployment;
  member.sagemaker.seedNotebook({ name, status: 'InService', rootAccess: 'Enabled' });
  const finding = notebookControlFinding({
    controlId: 'SageMaker.3',
    notebookName: name,
    account: DEMO_MEMBER_ACCOUNT,
    region,
  });
  const where =
    region === home.region
      ? `member account ${DEMO_MEMBER_ACCOUNT}`
      : `member account ${DEMO_MEMBER_ACCOUNT}, linked Region ${region}`;
  return {
    why: `SageMaker.3 ${name}: root access, in ${where}`,
    importFinding: () => deployment.importFinding(finding),
    describeNow: () => {
      const now = rootAccessOf(member, name);
      return `${name.padEnd(20)} (${DEMO_MEMBER_ACCOUNT} ${region}) ${now.status.padEnd(10)} RootAccess ${now.rootAccess}`;
    },
    check: () => {
      const now = rootAccessOf(member, name);
      const noted = home.securityHub.getFinding(finding.Id ?? '');
      // The update was made, and made as the member role of that account and Region.
      const updates = member.authorizations.filter(
        (entry) => entry.action === 'sagemaker:UpdateNotebookInstance' && entry.decision === 'Allowed',
      );
      const asMemberRole =
        updates.length > 0 &&
        updates.every(
          (entry) => entry.caller.roleArn === deployment.memberRoleArn(DEMO_MEMBER_ACCOUNT, region),
        );
      const ok =
        now.status === 'InService' &&
        now.rootAccess === 'Disabled' &&
        noted?.Workflow?.Status === 'RESOLVED' &&
        asMemberRole &&
        home
          .callsTo('SageMaker', 'UpdateNotebookInstance')
          .every((call) => !JSON.stringify(call.input).includes(name));
      return {
        ok,
        line: ok
          ? `${name} (${where}): fixed through the member role there, InService again; its aggregated finding RESOLVED.`
          : `UNEXPECTED: the ${where} notebook ${name} was not fixed as it should; see the timeline above.`,
      };
    },
  };
}

export function seedDemoOrganizationCases(deployment: LocalDeployment): DemoOrganizationCase[] {
  const { account: home } = deployment;
  const member = deployment.addMemberAccount(DEMO_MEMBER_ACCOUNT, home.region);
  const linkedMember = deployment.addMemberAccount(DEMO_MEMBER_ACCOUNT, DEMO_LINKED_REGION);

  const ocsfNotebook = 'forecast-notebook';
  home.sagemaker.seedNotebook({ name: ocsfNotebook, status: 'Stopped', rootAccess: 'Enabled' });
  const ocsfFinding = ocsfControlFinding({
    controlId: 'SageMaker.3',
    resourceName: ocsfNotebook,
    account: home.accountId,
    region: home.region,
  });
  const ocsfStatus = () => home.securityHub.ocsf.getFinding(ocsfFinding.finding_info.uid)?.status_id;

  return [
    memberNotebookCase(deployment, member, 'finance-notebook', home.region),
    memberNotebookCase(deployment, linkedMember, 'pricing-notebook', DEMO_LINKED_REGION),
    {
      why: `SageMaker.3 ${ocsfNotebook}: root access, an OCSF finding of the new Security Hub`,
      importFinding: () => home.securityHub.ocsf.importFinding(ocsfFinding),
      describeNow: () => {
        const now = rootAccessOf(home, ocsfNotebook);
        return `${ocsfNotebook.padEnd(20)} ${now.status.padEnd(10)} RootAccess ${now.rootAccess}; OCSF status_id ${ocsfStatus()}`;
      },
      check: () => {
        const now = rootAccessOf(home, ocsfNotebook);
        // status_id 4 is Resolved; the notebook was Stopped and stays so.
        const ok = now.status === 'Stopped' && now.rootAccess === 'Disabled' && ocsfStatus() === 4;
        return {
          ok,
          line: ok
            ? `${ocsfNotebook}: the OCSF finding (Findings Imported V2) fixed in place, left Stopped as it was; written back with BatchUpdateFindingsV2, status_id 4 (Resolved).`
            : `UNEXPECTED: the OCSF finding of ${ocsfNotebook} did not end as it should; see the timeline above.`,
        };
      },
    },
  ];
}
