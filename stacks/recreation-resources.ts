/**
 * Names and ARNs the stack derives for the approval-gated recreation of notebooks: the lifecycle
 * configuration names (which the runtime settings carry) and the KMS keys recreated notebooks'
 * volumes are encrypted with (which the state machine's role must be allowed to grant SageMaker).
 *
 * Pure (no CDK imports), so the rules can be tested without synthesising.
 */
import { createHash } from 'node:crypto';
import { SAGEMAKER_NAME_PATTERN } from '../handlers/shared/notebook-recreation.js';

/** NotebookInstanceLifecycleConfigName: at most 63 characters of this pattern (CreateNotebookInstanceLifecycleConfig). */
export const LIFECYCLE_CONFIG_NAME_PATTERN = SAGEMAKER_NAME_PATTERN;
export const MAX_LIFECYCLE_CONFIG_NAME_LENGTH = 63;

/** The two lifecycle configurations the recreation attaches, by purpose (the name's suffix). */
export const LIFECYCLE_CONFIG_PURPOSES = {
  backup: 'backup-on-start',
  restore: 'restore-on-create',
} as const;

/**
 * `<stack name>-<purpose>`: unique per account and region because stack names are. A stack name too
 * long to fit is cut and followed by a hash of the whole name, so two long names sharing a prefix
 * still get different configurations. Characters the pattern does not allow become hyphens.
 *
 * @throws if the result cannot satisfy the pattern (a purpose that is not alphanumeric and hyphens)
 */
export function lifecycleConfigName(stackName: string, purpose: string): string {
  if (!LIFECYCLE_CONFIG_NAME_PATTERN.test(purpose)) {
    throw new Error(
      `lifecycle configuration purpose '${purpose}' must match ${LIFECYCLE_CONFIG_NAME_PATTERN}`,
    );
  }
  const base = stackName.replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+/, '');
  const suffix = `-${purpose}`;
  const whole = `${base}${suffix}`;
  const name =
    base.length > 0 && whole.length <= MAX_LIFECYCLE_CONFIG_NAME_LENGTH
      ? whole
      : `${base.slice(0, MAX_LIFECYCLE_CONFIG_NAME_LENGTH - suffix.length - 9)}-${shortHash(stackName)}${suffix}`.replace(
          /^-+/,
          '',
        );
  if (name.length > MAX_LIFECYCLE_CONFIG_NAME_LENGTH || !LIFECYCLE_CONFIG_NAME_PATTERN.test(name)) {
    throw new Error(`cannot derive a lifecycle configuration name from stack name '${stackName}'`);
  }
  return name;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** A KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<key id>`. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** A KMS key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
export const KMS_KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Why a configured kmsKeyId cannot be used, or undefined if it can. */
export function kmsKeyIdProblem(kmsKeyId: string): string | undefined {
  if (KMS_KEY_ARN.test(kmsKeyId) || KMS_KEY_ID.test(kmsKeyId)) return undefined;
  if (/(^|:)alias\//.test(kmsKeyId)) {
    return 'must be a key ARN or key id, not an alias: IAM authorizes kms:CreateGrant on the key, so the stack must know which key it is';
  }
  return 'must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>) or a key id';
}

export interface KeyTarget {
  readonly account: string;
  readonly region: string;
  readonly kmsKeyId?: string | undefined;
}

/**
 * The ARNs of the KMS keys recreated notebooks may be encrypted with: each target's kmsKeyId, a key
 * id completed with the target's own account and region. Only the targets of `deployment` when its
 * account and region are known; every target's when either is a deploy-time token (an
 * environment-agnostic stack cannot tell which target is its own).
 */
export function volumeKeyArns(
  targets: readonly KeyTarget[],
  deployment: { readonly partition: string; readonly account?: string; readonly region?: string },
): string[] {
  const own = targets.filter(
    (target) =>
      deployment.account === undefined ||
      deployment.region === undefined ||
      (target.account === deployment.account && target.region === deployment.region),
  );
  const arns = own.flatMap((target) => {
    if (!target.kmsKeyId) return [];
    const problem = kmsKeyIdProblem(target.kmsKeyId);
    if (problem) throw new Error(`recreate target ${target.account}/${target.region}: kmsKeyId ${problem}`);
    return [
      KMS_KEY_ARN.test(target.kmsKeyId)
        ? target.kmsKeyId
        : `arn:${deployment.partition}:kms:${target.region}:${target.account}:key/${target.kmsKeyId}`,
    ];
  });
  return [...new Set(arns)];
}
