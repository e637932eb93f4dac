/**
 * Which of the stack's grants a run of the simulated account used. A grant is one action string of one
 * Allow statement of an identity policy in the synthesized template (a role's inline policies, an
 * AWS::IAM::Policy, an AWS::IAM::ManagedPolicy), for one principal. It is used when an allowed decision
 * of that principal names the statement among those that allowed it and asks for a matching action.
 *
 * Resource policies (bucket, key, topic, queue) are out of scope: they grant to services and roles the
 * simulation does not always model. Deny statements are guards, not grants.
 *
 * Pure: the inputs are the template, the deployed ARNs and the recorded decisions.
 */

/** The part of a CloudFormation template read here. */
export interface TemplateResources {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Readonly<Record<string, unknown>> }>
  >;
}

/** The part of an authorization record read here (simulation/account/account.ts AuthorizationRecord). */
export interface ObservedDecision {
  readonly caller: { readonly roleArn: string };
  readonly action: string;
  readonly decision: string;
  readonly allowedBy: readonly string[];
}

/** One deployment of the stack and what was decided in its account. */
export interface ObservedDeployment {
  readonly template: TemplateResources;
  /** The deployed ARN of each role and managed policy, by logical id. */
  readonly arns: Readonly<Record<string, string>>;
  readonly decisions: readonly ObservedDecision[];
}

export interface Grant {
  /**
   * The role's logical id; for a managed policy, the policy's logical id (it grants to whichever role
   * has it attached, inside the template or not: the restore operator's role is created by people).
   */
  readonly principal: string;
  /** The policy as the authorizer names it: an inline or AWS::IAM::Policy name, a managed policy's logical id. */
  readonly policy: string;
  /** The statement's Sid, or its 1-based position when it has none (as the authorizer names it). */
  readonly statement: string;
  /** The action string as written in the statement (it may hold wildcards). */
  readonly action: string;
}

export interface GrantUsage {
  readonly grants: readonly Grant[];
  readonly used: readonly Grant[];
  readonly unused: readonly Grant[];
}

/** `principal policy#statement action`: one line per grant, for messages and sets. */
export function grantKey(grant: Grant): string {
  return `${grant.principal} ${grant.policy}#${grant.statement} ${grant.action}`;
}

interface PolicyStatement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
}

interface DeployedPolicy {
  /** Principal logical ids; empty for a managed policy attached outside the template. */
  readonly principals: readonly string[];
  readonly managedPolicyId?: string;
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

const strings = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

/** `{ Ref: "LogicalId" }` -> `LogicalId` (how the template lists the roles a policy applies to). */
function referencedIds(value: unknown): string[] {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return items
    .map((item) => (item as { Ref?: unknown } | null)?.Ref)
    .filter((ref): ref is string => typeof ref === 'string');
}

function statementsOf(document: unknown): PolicyStatement[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  if (statement === undefined) return [];
  return (Array.isArray(statement) ? statement : [statement]) as PolicyStatement[];
}

function identityPolicies(template: TemplateResources): DeployedPolicy[] {
  const policies: DeployedPolicy[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (properties.Policies ?? []) as Array<{
        PolicyName: unknown;
        PolicyDocument: unknown;
      }>) {
        policies.push({
          principals: [logicalId],
          name: String(inline.PolicyName),
          statements: statementsOf(inline.PolicyDocument),
        });
      }
    } else if (resource.Type === 'AWS::IAM::Policy') {
      policies.push({
        principals: referencedIds(properties.Roles),
        name: String(properties.PolicyName),
        statements: statementsOf(properties.PolicyDocument),
      });
    } else if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      policies.push({
        principals: [logicalId],
        managedPolicyId: logicalId,
        name: logicalId,
        statements: statementsOf(properties.PolicyDocument),
      });
    }
  }
  return policies;
}

/** Every grant of the template's identity policies, in template order. */
export function grantsOf(template: TemplateResources): Grant[] {
  const grants: Grant[] = [];
  for (const policy of identityPolicies(template)) {
    policy.statements.forEach((statement, index) => {
      if (statement.Effect !== 'Allow') return;
      const label =
        typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : String(index + 1);
      const actions =
        statement.Action !== undefined
          ? strings(statement.Action)
          : strings(statement.NotAction).map((action) => `NotAction:${action}`);
      for (const principal of policy.principals) {
        for (const action of actions)
          grants.push({ principal, policy: policy.name, statement: label, action });
      }
    });
  }
  return grants;
}

/** IAM's action match: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern.startsWith('NotAction:')) return !actionMatches(pattern.slice('NotAction:'.length), action);
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`, 'i').test(action);
}

/** The allowed decisions of one deployment that used a grant of its own template. */
function decisionsUsing(
  grant: Grant,
  deployment: ObservedDeployment,
  managed: ReadonlySet<string>,
): { readonly statementName: string; readonly decisions: readonly ObservedDecision[] } {
  const principalArn = deployment.arns[grant.principal];
  // The authorizer names a managed policy by its ARN, an inline one by its name.
  const statementName = `${managed.has(grant.principal) ? principalArn : grant.policy}#${grant.statement}`;
  if (principalArn === undefined) return { statementName, decisions: [] };
  return {
    statementName,
    decisions: deployment.decisions.filter(
      (decision) =>
        decision.decision === 'Allowed' &&
        (managed.has(grant.principal) || decision.caller.roleArn === principalArn) &&
        decision.allowedBy.includes(statementName) &&
        actionMatches(grant.action, decision.action),
    ),
  };
}

function managedPolicies(template: TemplateResources): Set<string> {
  return new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::ManagedPolicy')
      .map(([logicalId]) => logicalId),
  );
}

/**
 * The grants of every deployment's template (each once, by key) and whether some deployment whose
 * template makes it used it. Deployments of different configurations make different grants.
 */
export function grantUsage(deployments: readonly ObservedDeployment[]): GrantUsage {
  const grants = new Map<string, Grant>();
  const used = new Set<string>();
  for (const deployment of deployments) {
    const managed = managedPolicies(deployment.template);
    for (const grant of grantsOf(deployment.template)) {
      const key = grantKey(grant);
      if (!grants.has(key)) grants.set(key, grant);
      if (!used.has(key) && decisionsUsing(grant, deployment, managed).decisions.length > 0) used.add(key);
    }
  }
  const all = [...grants.values()];
  return {
    grants: all,
    used: all.filter((grant) => used.has(grantKey(grant))),
    unused: all.filter((grant) => !used.has(grantKey(grant))),
  };
}

/**
 * Used grants that never allowed a decision alone: every request they allowed, another statement of
 * the same principal allowed too. Each is a candidate for removal (or the other statement is), which
 * only a person can judge: the observed requests are not every request the grant is there for.
 */
export function overlappingGrants(
  deployments: readonly ObservedDeployment[],
  usage: GrantUsage,
): Array<{ readonly grant: Grant; readonly alsoAllowedBy: readonly string[] }> {
  const soleAllow = new Set<string>();
  const others = new Map<string, Set<string>>();
  for (const deployment of deployments) {
    const managed = managedPolicies(deployment.template);
    const own = new Set(grantsOf(deployment.template).map(grantKey));
    for (const grant of usage.used) {
      const key = grantKey(grant);
      if (!own.has(key)) continue;
      const { statementName, decisions } = decisionsUsing(grant, deployment, managed);
      for (const decision of decisions) {
        const rest = decision.allowedBy.filter((name) => name !== statementName);
        if (rest.length === 0) soleAllow.add(key);
        const set = others.get(key) ?? new Set<string>();
        for (const name of rest) set.add(name);
        others.set(key, set);
      }
    }
  }
  return usage.used
    .filter((grant) => !soleAllow.has(grantKey(grant)))
    .map((grant) => ({ grant, alsoAllowedBy: [...(others.get(grantKey(grant)) ?? [])].sort() }));
}

/** A grant no scenario can use, and why it is there anyway. */
export interface UnusedGrantReason {
  /** The role's (or managed policy's) logical id. */
  readonly principal: string;
  /** A statement's Sid or position; every statement of the principal when absent. */
  readonly statement?: string;
  /** The action strings it covers, as an IAM action pattern (`xray:*`); every action when absent. */
  readonly action?: string;
  readonly reason: string;
}

export interface ReasonedUsage {
  /** Unused grants with a written reason. */
  readonly explained: ReadonlyArray<{ readonly grant: Grant; readonly reason: string }>;
  /** Unused grants without one: over-grants until a scenario uses them or a reason is written. */
  readonly unexplained: readonly Grant[];
  /** Reasons that name no grant, or a grant some scenario used: to be removed. */
  readonly stale: ReadonlyArray<{ readonly reason: UnusedGrantReason; readonly problem: string }>;
}

const reasonCovers = (reason: UnusedGrantReason, grant: Grant): boolean =>
  reason.principal === grant.principal &&
  (reason.statement === undefined || reason.statement === grant.statement) &&
  (reason.action === undefined || actionMatches(reason.action, grant.action));

/** Sorts the unused grants into explained and unexplained, and finds the reasons that no longer hold. */
export function applyReasons(usage: GrantUsage, reasons: readonly UnusedGrantReason[]): ReasonedUsage {
  const explained: Array<{ grant: Grant; reason: string }> = [];
  const unexplained: Grant[] = [];
  for (const grant of usage.unused) {
    const reason = reasons.find((candidate) => reasonCovers(candidate, grant));
    if (reason) explained.push({ grant, reason: reason.reason });
    else unexplained.push(grant);
  }
  const stale: Array<{ reason: UnusedGrantReason; problem: string }> = [];
  for (const reason of reasons) {
    const covered = usage.grants.filter((grant) => reasonCovers(reason, grant));
    const usedOnes = covered.filter((grant) => usage.used.includes(grant));
    if (covered.length === 0) stale.push({ reason, problem: 'names no grant of the deployed templates' });
    else if (usedOnes.length > 0)
      stale.push({ reason, problem: `covers grants a scenario used: ${usedOnes.map(grantKey).join('; ')}` });
  }
  return { explained, unexplained, stale };
}
