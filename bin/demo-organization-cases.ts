/**
 * The demo's organization cases: notebooks of a member account, in the home Region and in a linked
 * Region, fixed through the member role the StackSet deploys there, and a finding of the new Security
 * Hub (OCSF, Findings Imported V2), fixed and written back with BatchUpdateFindingsV2.
 */
import { OCSF_STATUS_IDS } from '../handlers/shared/ocsf-finding.js';
import type { SimulatedAccount } from '../simulation/account/account.js';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { ocsfControlFinding } from '../simulation/account/sample-ocsf-findings.js';
import {
  asffDemoFinding,
  type DemoCase,
  type DemoContext,
  type DemoSeeder,
  hasTag,
  tagsOf,
} from './demo-case.js';
import { DEMO_LINKED_REGION } from './demo-configuration.js';

/** The member account of the demo's organization, with the member stack deployed as the StackSet would. */
export const DEMO_MEMBER_ACCOUNT = '444455556666';

function rootAccessOf(account: SimulatedAccount, name: string) {
  const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
  return { status: notebook.NotebookInstanceStatus, rootAccess: notebook.RootAccess };
}

/**
 * A root-access notebook of the member account in `region`, fixed through that Region's member role:
 * in the home Region by Step Functions itself, in a linked Region by the member-api-call function.
 */
function memberNotebookCase(context: DemoContext, scenario: string, name: string, region: string): DemoCase {
  const { deployment, account: home } = context;
  const member = deployment.addMemberAccount(DEMO_MEMBER_ACCOUNT, region);
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
    scenario,
    findings: [
      asffDemoFinding(context, finding, { why: `root access, in ${where}`, resourceAccount: member }),
    ],
    describeNow: () => {
      const now = rootAccessOf(member, name);
      return `${name.padEnd(20)} (${DEMO_MEMBER_ACCOUNT} ${region}) ${now.status.padEnd(10)} RootAccess ${now.rootAccess}`;
    },
    checkFixed: () => {
      const now = rootAccessOf(member, name);
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
        asMemberRole &&
        home
          .callsTo('SageMaker', 'UpdateNotebookInstance')
          .every((call) => !JSON.stringify(call.input).includes(name));
      return {
        ok,
        line: ok
          ? `${name} (${where}): fixed through the member role there, InService again.`
          : `UNEXPECTED: the ${where} notebook ${name} was not fixed as it should; see the timeline above.`,
      };
    },
  };
}

const memberAccount: DemoSeeder = (context) => [
  memberNotebookCase(context, 'member-account', 'finance-notebook', context.account.region),
];

const linkedRegion: DemoSeeder = (context) => [
  memberNotebookCase(context, 'linked-region', 'pricing-notebook', DEMO_LINKED_REGION),
];

const WORKFLOW_STATUS_OF: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(OCSF_STATUS_IDS).map(([status, id]) => [id, status]),
);

const ocsf: DemoSeeder = (context) => {
  const { account: home, exemptionTag } = context;
  const name = 'forecast-notebook';
  home.sagemaker.seedNotebook({ name, status: 'Stopped', rootAccess: 'Enabled' });
  const finding = ocsfControlFinding({
    controlId: 'SageMaker.3',
    resourceName: name,
    account: home.accountId,
    region: home.region,
  });
  const uid = finding.finding_info.uid;
  const current = () => home.securityHub.ocsf.getFinding(uid);
  return [
    {
      scenario: 'ocsf',
      findings: [
        {
          label: `SageMaker.3 ${name} (OCSF)`,
          why: 'root access, an OCSF finding of the new Security Hub',
          id: uid,
          facts: {
            controlId: 'SageMaker.3',
            exempt: hasTag(tagsOf(home, home.sagemaker.notebookArn(name)), exemptionTag),
          },
          importFinding: () => home.securityHub.ocsf.importFinding(finding),
          now: () => {
            const statusId = current()?.status_id;
            const status =
              statusId === undefined ? undefined : (WORKFLOW_STATUS_OF[statusId] ?? `status_id ${statusId}`);
            return { status, note: current()?.comment };
          },
          current: () => undefined,
        },
      ],
      describeNow: () => {
        const now = rootAccessOf(home, name);
        return `${name.padEnd(20)} ${now.status.padEnd(10)} RootAccess ${now.rootAccess}`;
      },
      checkFixed: () => {
        const now = rootAccessOf(home, name);
        // status_id 4 is Resolved; the notebook was Stopped and stays so.
        const ok = now.status === 'Stopped' && now.rootAccess === 'Disabled' && current()?.status_id === 4;
        return {
          ok,
          line: ok
            ? `${name}: the OCSF finding (Findings Imported V2) fixed in place, left Stopped as it was; written back with BatchUpdateFindingsV2, status_id 4 (Resolved).`
            : `UNEXPECTED: the OCSF finding of ${name} did not end as it should; see the timeline above.`,
        };
      },
    },
  ];
};

export const ORGANIZATION_SEEDERS = {
  'member-account': memberAccount,
  'linked-region': linkedRegion,
  ocsf,
} as const satisfies Record<string, DemoSeeder>;
