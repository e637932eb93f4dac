/**
 * IAM as AWS evaluates it, for the simulated account: every request is checked against the caller's
 * identity policies and the resource's policy (bucket, key, topic, queue, function) with
 * @cloud-copilot/iam-simulate, which implements AWS's policy evaluation logic (explicit deny, same
 * account and cross-account rules, KMS key-policy trust) over the Service Authorization Reference.
 *
 * iam-simulate is AGPL-3.0: it is a devDependency of the simulation and never part of a Lambda bundle.
 *
 * Pure over its inputs: the simulated account and the stand-in `aws` CLI (a separate process) both
 * use it, each with the policies it knows.
 */
import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { deepFreeze } from '../frozen-json.js';

export type ContextValue = string | string[];

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown;
}

export interface NamedPolicy {
  /** The inline policy name, or the managed policy ARN. */
  readonly name: string;
  readonly document: PolicyDocument;
}

/** Who signs a request: a session of an IAM role (every principal of this project is one). */
export interface Caller {
  readonly roleArn: string;
  /** The role session name (`SageMaker` on a notebook, the function name in a Lambda...). */
  readonly sessionName: string;
  /** The role's unique id (`AROA...`), the first half of `aws:userid`. */
  readonly roleId: string;
}

/** One permission a request needs: its own action, or one AWS checks on the caller's behalf. */
export interface RequiredAuthorization {
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource types. */
  readonly resource: string;
  /** Service-specific condition keys AWS sets on this request (sagemaker:RootAccess, s3:prefix...). */
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** The ARN whose resource-based policy takes part (a bucket for its objects, a key, a topic...). */
  readonly resourcePolicyArn?: string;
  /**
   * The account the resource counts as in (default: the ARN's). Organizations' resources name the
   * management account, yet a delegated administrator reads them with its identity policy alone.
   */
  readonly resourceAccount?: string;
}

export interface PolicySource {
  /** The caller role's identity policies (inline and managed); undefined when the role does not exist. */
  identityPoliciesOf(roleArn: string): readonly NamedPolicy[] | undefined;
  resourcePolicyOf(arn: string): PolicyDocument | undefined;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface AuthorizationResult {
  readonly decision: Decision;
  /** The identity statements that allowed it, as `<policy name>#<Sid or index>`. */
  readonly allowedBy: readonly string[];
  /** Which policy kind decided a denial, for AWS's message. */
  readonly deniedIn?: 'identity-based' | 'resource-based';
  /** AWS's message for a denial: "User: ... is not authorized to perform: ... because ...". */
  readonly message?: string;
}

export interface RequestFacts {
  readonly accountId: string;
  readonly region: string;
  readonly partition?: string;
  readonly now: Date;
  /** The organization of the caller's account (`aws:PrincipalOrgID`), if it is in one. */
  readonly principalOrgId?: string;
}

/** The ARN a role session signs with: `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
export function sessionArn(caller: Caller): string {
  const match = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(caller.roleArn);
  if (!match) throw new Error(`not a role ARN: ${caller.roleArn}`);
  return `arn:${match[1]}:sts::${match[2]}:assumed-role/${match[3]}/${caller.sessionName}`;
}

function accountOf(arn: string, fallback: string): string {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : fallback;
}

/** The global condition keys AWS sets on every signed request of a role session. */
export function globalContext(caller: Caller, facts: RequestFacts): Record<string, ContextValue> {
  return {
    'aws:PrincipalArn': caller.roleArn,
    'aws:PrincipalAccount': accountOf(caller.roleArn, facts.accountId),
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `${caller.roleId}:${caller.sessionName}`,
    // The SDKs and the CLI always use HTTPS.
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': facts.region,
    'aws:CurrentTime': facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(facts.now.getTime() / 1000)),
    'aws:ViaAWSService': 'false',
    ...(facts.principalOrgId === undefined ? {} : { 'aws:PrincipalOrgID': facts.principalOrgId }),
  };
}

interface AnalysedStatement {
  readonly policyId?: string;
  readonly statement: { sid(): string | undefined; index(): number };
}

function statementName(analysed: AnalysedStatement): string {
  return `${analysed.policyId ?? 'policy'}#${analysed.statement.sid() ?? analysed.statement.index()}`;
}

/** `kms:EncryptionContext:<key>`: iam-simulate only knows variable keys written `<prefix>/<name>`. */
const ENCRYPTION_CONTEXT_KEY = /^kms:encryptioncontext:(.+)$/i;
/** A condition no request meets: what a statement becomes when its encryption context does not match. */
const NEVER = { StringEquals: { 'aws:RequestedRegion': 'simulation-never-matches' } };

function matchesOperator(operator: string, expected: unknown, actual: string | undefined): boolean {
  const values = (Array.isArray(expected) ? expected : [expected]).map(String);
  const base = operator.replace(/IfExists$/, '');
  if (actual === undefined) return operator.endsWith('IfExists') || base.startsWith('StringNot');
  const wildcard = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
  switch (base) {
    case 'StringEquals':
      return values.includes(actual);
    case 'StringNotEquals':
      return !values.includes(actual);
    case 'StringLike':
      return values.some((value) => wildcard(value).test(actual));
    case 'StringNotLike':
      return !values.some((value) => wildcard(value).test(actual));
    default:
      throw new Error(`The simulation cannot evaluate ${operator} on kms:EncryptionContext keys`);
  }
}

/**
 * Evaluates the statement conditions on `kms:EncryptionContext:<key>` against the request (the
 * evaluator ignores such keys), leaving iam-simulate the rest: a statement whose encryption context
 * matches loses those conditions, one that does not can no longer match at all.
 */
export function withEncryptionContextResolved(
  document: PolicyDocument,
  context: Readonly<Record<string, ContextValue>>,
): PolicyDocument {
  const actual = new Map(
    Object.entries(context)
      .filter(([key]) => ENCRYPTION_CONTEXT_KEY.test(key))
      .map(([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value[0] : value]),
  );
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  const resolved = statements.map((statement) => {
    const conditions = (statement as { Condition?: Record<string, Record<string, unknown>> }).Condition;
    if (!conditions) return statement;
    let matches = true;
    const remaining: Record<string, Record<string, unknown>> = {};
    for (const [operator, keys] of Object.entries(conditions)) {
      for (const [key, expected] of Object.entries(keys)) {
        if (ENCRYPTION_CONTEXT_KEY.test(key)) {
          matches &&= matchesOperator(operator, expected, actual.get(key.toLowerCase()));
        } else {
          remaining[operator] = { ...remaining[operator], [key]: expected };
        }
      }
    }
    const { Condition: _condition, ...rest } = statement as Record<string, unknown>;
    if (!matches) return { ...rest, Condition: NEVER };
    return Object.keys(remaining).length > 0 ? { ...rest, Condition: remaining } : rest;
  });
  return { ...document, Statement: resolved };
}

/**
 * Decisions already made, by a digest of everything the evaluation reads: the caller, the request, its
 * context and every policy document that takes part. The evaluator is a pure function of these, so the
 * same call under the same policies is decided once; a changed policy is a different key. The request
 * time is part of the key only when a policy reads it (a date condition decides differently later).
 * Bounded: a campaign makes a few thousand distinct calls, so the whole table is simply dropped when full.
 */
const decisions = new Map<string, AuthorizationResult>();
const MAX_REMEMBERED_DECISIONS = 20_000;
const TIME_KEYS = /aws:(CurrentTime|EpochTime)/i;

/** Whether policy text reads the request time: only then does a decision depend on when it is asked. */
export function readsRequestTime(policyText: string): boolean {
  return TIME_KEYS.test(policyText);
}

function decisionKey(
  caller: Caller,
  required: RequiredAuthorization,
  identity: readonly NamedPolicy[],
  resourcePolicy: PolicyDocument | undefined,
  facts: RequestFacts,
): string {
  const identityKeys = identity.map((policy) => ({ name: policy.name, ...documentKey(policy.document) }));
  const resourceKey = resourcePolicy ? documentKey(resourcePolicy) : undefined;
  const readsTime = identityKeys.some((key) => key.readsTime) || resourceKey?.readsTime === true;
  const { now: _now, ...timeless } = facts;
  return createHash('sha256')
    .update(
      JSON.stringify([
        caller,
        required,
        readsTime ? facts : timeless,
        identityKeys.map((key) => [key.name, key.digest]),
        resourceKey?.digest ?? null,
      ]),
    )
    .digest('base64');
}

interface DocumentKey {
  readonly digest: string;
  /** Whether the document reads the request time (aws:CurrentTime, aws:EpochTime). */
  readonly readsTime: boolean;
}

/**
 * Policy documents that cannot change: the IAM store's frozen copies (unchangeablePolicy). Their keys
 * are worked out once; any other document (a test's own object, a queue policy parsed at each call)
 * is read in full at every call, so that a statement added to it in place is seen.
 */
const unchangeable = new WeakSet<PolicyDocument>();
const documentKeys = new WeakMap<PolicyDocument, DocumentKey>();

function documentKey(document: PolicyDocument): DocumentKey {
  const known = documentKeys.get(document);
  if (known) return known;
  const text = JSON.stringify(document);
  const key = {
    digest: createHash('sha256').update(text).digest('base64'),
    readsTime: readsRequestTime(text),
  };
  if (unchangeable.has(document)) documentKeys.set(document, key);
  return key;
}

/**
 * A frozen deep copy of `document`, for a store of policies: the caller's object stays its own, and
 * the copy can be neither changed in place nor mistaken for another (its decisions' keys are kept).
 */
export function unchangeablePolicy(document: PolicyDocument): PolicyDocument {
  const copy = deepFreeze(structuredClone(document));
  unchangeable.add(copy);
  return copy;
}

/** Evaluates one required authorization for a caller. */
export async function authorize(
  caller: Caller,
  required: RequiredAuthorization,
  policies: PolicySource,
  facts: RequestFacts,
): Promise<AuthorizationResult> {
  const identity = policies.identityPoliciesOf(caller.roleArn) ?? [];
  const resourcePolicy = required.resourcePolicyArn
    ? policies.resourcePolicyOf(required.resourcePolicyArn)
    : undefined;
  const key = decisionKey(caller, required, identity, resourcePolicy, facts);
  const remembered = decisions.get(key);
  if (remembered) return remembered;
  // Frozen: every later caller of the same request shares it.
  const evaluated = await evaluate(caller, required, identity, resourcePolicy, facts);
  const result = Object.freeze({ ...evaluated, allowedBy: Object.freeze([...evaluated.allowedBy]) });
  if (decisions.size >= MAX_REMEMBERED_DECISIONS) decisions.clear();
  decisions.set(key, result);
  return result;
}

async function evaluate(
  caller: Caller,
  required: RequiredAuthorization,
  identityPolicies: readonly NamedPolicy[],
  ownPolicy: PolicyDocument | undefined,
  facts: RequestFacts,
): Promise<AuthorizationResult> {
  const context = { ...globalContext(caller, facts), ...required.context };
  const resolve = (document: PolicyDocument) => withEncryptionContextResolved(document, context);
  const identity = identityPolicies.map((policy) => ({
    ...policy,
    document: resolve(policy.document),
  }));
  const resourcePolicy = ownPolicy ? resolve(ownPolicy) : undefined;
  const response = await runSimulation(
    {
      request: {
        principal: sessionArn(caller),
        action: required.action,
        resource: {
          resource: required.resource,
          accountId: required.resourceAccount ?? accountOf(required.resource, facts.accountId),
        },
        contextVariables: context,
      },
      identityPolicies: identity.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (response.resultType === 'error' && noResourceTypes(response.errors)) {
    // The Service Authorization Reference lists no resource type of this ARN for the action (ListTags
    // and AddTags on an inference experiment): IAM still matches each statement's Resource against the
    // ARN the service sends, so that is what is evaluated here.
    return byResourcePattern(caller, required, identity);
  }
  if (response.resultType === 'error') {
    // A malformed policy or request is a defect of the project or of the simulation, not a denial.
    throw new Error(
      `IAM simulation of ${required.action} on ${required.resource} failed: ${JSON.stringify(response.errors)}`,
    );
  }
  // A resource not created yet (`network-interface/*`) is evaluated as a pattern: AWS checks the new
  // resource's ARN, which any statement matching the pattern would allow.
  const analysis =
    response.resultType === 'single' ? response.result.analysis : response.results[0]?.analysis;
  const decision = response.overallResult as Decision;
  const identityAllows = (analysis?.identityAnalysis?.allowStatements ?? []) as AnalysedStatement[];
  const allowedBy = identityAllows.map(statementName);
  if (decision === 'Allowed') return { decision, allowedBy };
  const identityDenies = (analysis?.identityAnalysis?.denyStatements ?? []) as AnalysedStatement[];
  const deniedIn: 'identity-based' | 'resource-based' =
    decision === 'ExplicitlyDenied'
      ? identityDenies.length > 0
        ? 'identity-based'
        : 'resource-based'
      : identityAllows.length > 0 || !resourcePolicy
        ? // Allowed by the identity, yet denied: the resource policy (a key policy) does not trust it.
          identityAllows.length > 0
          ? 'resource-based'
          : 'identity-based'
        : 'identity-based';
  // AWS's wording: "with an explicit deny in an identity-based policy", "... in a resource-based policy".
  const because =
    decision === 'ExplicitlyDenied'
      ? `with an explicit deny in ${deniedIn === 'identity-based' ? 'an' : 'a'} ${deniedIn} policy`
      : `because no ${deniedIn} policy allows the ${required.action} action`;
  return {
    decision,
    allowedBy,
    deniedIn,
    message: `User: ${sessionArn(caller)} is not authorized to perform: ${required.action} on resource: ${required.resource} ${because}`,
  };
}

function noResourceTypes(errors: unknown): boolean {
  return JSON.stringify(errors ?? null).includes('no.resource.types');
}

/** `*` and `?` of an IAM pattern (action or resource), case-insensitively for actions. */
function iamPattern(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/**
 * Allow or Deny statements that name the action and a Resource pattern matching the ARN. A statement
 * with conditions is not counted as allowing (stricter than AWS, which would evaluate them); a Deny
 * with conditions is counted (stricter too). No resource policy takes part: these resources have none.
 */
function byResourcePattern(
  caller: Caller,
  required: RequiredAuthorization,
  identity: ReadonlyArray<{ readonly name: string; readonly document: PolicyDocument }>,
): AuthorizationResult {
  const list = (value: unknown): string[] =>
    value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [value as string];
  const allowedBy: string[] = [];
  let denied = false;
  for (const policy of identity) {
    const statements = Array.isArray(policy.document.Statement)
      ? policy.document.Statement
      : [policy.document.Statement];
    statements.forEach((raw, index) => {
      const statement = raw as Record<string, unknown>;
      const actionMatches = list(statement.Action).some((action) =>
        iamPattern(action, 'i').test(required.action),
      );
      const resourceMatches = list(statement.Resource).some((resource) =>
        iamPattern(resource).test(required.resource),
      );
      if (!actionMatches || !resourceMatches) return;
      if (statement.Effect === 'Deny') denied = true;
      else if (statement.Condition === undefined)
        allowedBy.push(`${policy.name}#${String(statement.Sid ?? index)}`);
    });
  }
  const decision: Decision = denied
    ? 'ExplicitlyDenied'
    : allowedBy.length > 0
      ? 'Allowed'
      : 'ImplicitlyDenied';
  if (decision === 'Allowed') return { decision, allowedBy };
  const because = denied
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${required.action} action`;
  return {
    decision,
    allowedBy,
    deniedIn: 'identity-based',
    message: `User: ${sessionArn(caller)} is not authorized to perform: ${required.action} on resource: ${required.resource} ${because}`,
  };
}

/** An AWS service acting on its own behalf (EventBridge invoking a function): only resource policies count. */
export interface ServiceCaller {
  /** The service principal, e.g. `events.amazonaws.com`. */
  readonly service: string;
  /** The resource on whose behalf it acts (aws:SourceArn), e.g. the rule. */
  readonly sourceArn: string;
  readonly sourceAccount: string;
}

export async function authorizeService(
  caller: ServiceCaller,
  required: RequiredAuthorization,
  policies: PolicySource,
  facts: RequestFacts,
): Promise<AuthorizationResult> {
  const resourcePolicy = required.resourcePolicyArn
    ? policies.resourcePolicyOf(required.resourcePolicyArn)
    : undefined;
  const response = await runSimulation(
    {
      request: {
        principal: caller.service,
        action: required.action,
        resource: { resource: required.resource, accountId: accountOf(required.resource, facts.accountId) },
        contextVariables: {
          'aws:SourceArn': caller.sourceArn,
          'aws:SourceAccount': caller.sourceAccount,
          'aws:SecureTransport': 'true',
          'aws:CurrentTime': facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ...required.context,
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (response.resultType !== 'single') {
    throw new Error(
      `IAM simulation of ${required.action} by ${caller.service} failed: ${JSON.stringify(response)}`,
    );
  }
  const decision = response.overallResult as Decision;
  if (decision === 'Allowed') return { decision, allowedBy: [] };
  const because =
    decision === 'ExplicitlyDenied'
      ? 'with an explicit deny in a resource-based policy'
      : `because no resource-based policy allows the ${required.action} action`;
  return {
    decision,
    allowedBy: [],
    deniedIn: 'resource-based',
    message: `The service ${caller.service} is not authorized to perform: ${required.action} on resource: ${required.resource} ${because}`,
  };
}
