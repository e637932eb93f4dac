/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy SageMakerRemediation`, and the member stack's template.
 *
 * The configuration comes from the `remediation` context key (cdk.json, or `-c remediation='{...}'`);
 * see docs/configuration.md. cdk-nag's AWS Solutions pack runs as a validation plugin, so an
 * unacknowledged finding fails synthesis.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  CONFIGURATION_CONTEXT_KEY,
  loadConfiguration,
  type RemediationConfiguration,
} from '../stacks/configuration.js';
import { MemberStack } from '../stacks/member-stack.js';
import { SageMakerRemediationStack } from '../stacks/remediation-stack.js';

const app = new App();

let configuration: RemediationConfiguration;
try {
  configuration = loadConfiguration(app.node.tryGetContext(CONFIGURATION_CONTEXT_KEY));
} catch (error) {
  // The message already lists every problem; a stack trace would only bury it.
  console.error((error as Error).message);
  process.exit(1);
}

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new SageMakerRemediationStack(app, 'SageMakerRemediation', {
  description: 'Remediates AWS Security Hub findings for Amazon SageMaker with a Step Functions workflow.',
  configuration,
  // Environment-agnostic without credentials, so `npx cdk synth` works offline.
  ...(account && region ? { env: { account, region } } : {}),
});

// What each member account and Region needs (the role the deployment acts through): deployed by a
// service-managed StackSet from its template (cdk.out/SageMakerRemediationMember.template.json), and
// directly in the deployment's own account. See docs/organization.md.
new MemberStack(app, 'SageMakerRemediationMember', { configuration });

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
