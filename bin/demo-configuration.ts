/**
 * The demo's configuration: cdk.json's "remediation" context as it is, with what the simulated account
 * needs and cdk.json cannot name (it names real accounts). Pure, so the additions are tested.
 */
/** The linked Region of the demo's aggregation, where its member account has a notebook too. */
export const DEMO_LINKED_REGION = 'us-east-1';

type Raw = Record<string, unknown>;

/**
 * cdk.json's configuration, with what the simulated account needs and cdk.json cannot name: where
 * recreated notebooks go in it, the tags images must carry, a data-capture key, the linked Region
 * of the demo's member account. Each addition is said.
 */
export function demoConfiguration(
  raw: Raw | undefined,
  env: { readonly target: Raw & { account: string; region: string }; readonly captureKeyArn: string },
): { configuration: Raw; additions: string[] } {
  const base = raw ?? {};
  const additions: string[] = [];
  const recreate = (base.recreate ?? {}) as Raw;
  const targets = (recreate.targets ?? []) as Raw[];
  const hasTarget = targets.some(
    (each) => each.account === env.target.account && each.region === env.target.region,
  );
  if (!hasTarget)
    additions.push(`recreated notebooks go to ${env.target.subnetId} / ${env.target.securityGroupIds}`);
  const requiredTags = (base.requiredTags ?? {}) as Raw;
  const tags = Object.keys(requiredTags).length > 0 ? requiredTags : { owner: 'ml-platform' };
  if (tags !== requiredTags) additions.push('images must carry owner=ml-platform');
  if (base.dataCaptureKmsKeyId === undefined)
    additions.push(`data capture is encrypted with ${env.captureKeyArn}`);
  const members = (base.members ?? {}) as Raw;
  const linkedRegions = (members.linkedRegions ?? []) as string[];
  if (!linkedRegions.includes(DEMO_LINKED_REGION)) additions.push(`${DEMO_LINKED_REGION} is a linked Region`);
  return {
    configuration: {
      ...base,
      recreate: { ...recreate, targets: hasTarget ? targets : [...targets, env.target] },
      requiredTags: tags,
      dataCaptureKmsKeyId: base.dataCaptureKmsKeyId ?? env.captureKeyArn,
      members: { ...members, linkedRegions: [...new Set([...linkedRegions, DEMO_LINKED_REGION])] },
    },
    additions,
  };
}
