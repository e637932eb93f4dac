/**
 * IAM, as far as the project needs it: roles with their inline and managed policies, managed policies,
 * the resource-based policies of other services' resources (bucket, key, topic, queue, function), all
 * of which the authorizer evaluates for every call; and GetRole, to learn a role's unique id (the
 * `AROA...` part of `${aws:userid}`, which prefixes what a notebook may write in the backup bucket).
 *
 * Role ids are derived from the role ARN (`roleIdFor`), so tests, the lifecycle scripts' environment and
 * GetRole agree without sharing state. Real role ids are random and change when a role is recreated
 * under the same name; here the same ARN always has the same id.
 */

import { createHash } from 'node:crypto';
import {
  type NamedPolicy,
  type PolicyDocument,
  type PolicySource,
  unchangeablePolicy,
} from './authorizer.js';
import type { SimulatedClock } from './clock.js';
import { AwsServiceError } from './errors.js';
import { InputReader } from './input-reader.js';

/** `AROA` and 16 uppercase hex characters of the ARN's SHA-256: the simulated unique id of a role. */
export function roleIdFor(roleArn: string): string {
  return `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** Whether the string is an IAM role ARN this module can file (SageMaker's own pattern is looser). */
export function isRoleArn(arn: string): boolean {
  return ROLE_ARN.test(arn);
}

export interface SimulatedRole {
  readonly Path: string;
  readonly RoleName: string;
  readonly RoleId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly AssumeRolePolicyDocument: string;
  readonly MaxSessionDuration: number;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\x21-\x7E]*\/)?)([\w+=,.@-]{1,64})$/;

/** The trust policy SageMaker execution roles have, URL-encoded as GetRole returns it. */
const SAGEMAKER_TRUST_POLICY = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  }),
);

/**
 * IAM's quotas on policy size (IAM User Guide, "IAM and AWS STS quotas"): a role's inline policies
 * together at most 10,240 characters, a customer managed policy at most 6,144, and at most 10 managed
 * policies attached to a role. White space does not count.
 */
export const ROLE_INLINE_POLICIES_MAX_CHARACTERS = 10_240;
export const MANAGED_POLICY_MAX_CHARACTERS = 6_144;
export const MANAGED_POLICIES_PER_ROLE = 10;

/** A policy's size as IAM counts it: its JSON without white space. */
export function policyCharacters(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

function limitExceeded(message: string): AwsServiceError {
  return new AwsServiceError({
    service: 'IAM',
    operation: 'PutRolePolicy',
    code: 'LimitExceeded',
    httpStatusCode: 409,
    message,
  });
}

/** A role as the authorizer sees it: its inline policies and the ARNs of its managed policies. */
interface RolePolicies {
  readonly inline: Map<string, PolicyDocument>;
  readonly attached: Set<string>;
}

export class SimulatedIam implements PolicySource {
  /** Keyed by role name: names are unique in an account, case-insensitively. */
  private readonly roles = new Map<string, SimulatedRole>();
  private readonly rolePolicies = new Map<string, RolePolicies>();
  private readonly managedPolicies = new Map<string, PolicyDocument>();
  private readonly resourcePolicies = new Map<string, PolicyDocument>();

  constructor(
    private readonly clock: SimulatedClock,
    readonly accountId = '111122223333',
  ) {}

  /**
   * Makes sure the role of this ARN exists (the simulated SageMaker calls it for every role a notebook
   * uses, as AWS would refuse a notebook whose role does not exist). Returns the role.
   */
  ensureRole(roleArn: string, defaultPolicies: readonly NamedPolicy[] = []): SimulatedRole {
    const match = ROLE_ARN.exec(roleArn);
    if (match === null) {
      throw new Error(`SimulatedIam: not a role ARN: ${roleArn}`);
    }
    const [, , path = '/', roleName = ''] = match;
    const existing = this.roles.get(roleName.toLowerCase());
    if (existing !== undefined) {
      return existing;
    }
    const role: SimulatedRole = {
      Path: path,
      RoleName: roleName,
      RoleId: roleIdFor(roleArn),
      Arn: roleArn,
      CreateDate: this.clock.now(),
      AssumeRolePolicyDocument: SAGEMAKER_TRUST_POLICY,
      MaxSessionDuration: 3600,
    };
    this.roles.set(roleName.toLowerCase(), role);
    this.rolePolicies.set(roleName.toLowerCase(), {
      inline: new Map(defaultPolicies.map((policy) => [policy.name, unchangeablePolicy(policy.document)])),
      attached: new Set(),
    });
    return role;
  }

  /** Creates a role with its policies (what CloudFormation does for AWS::IAM::Role). Returns its ARN. */
  createRole(options: {
    readonly roleName: string;
    readonly path?: string;
    readonly inlinePolicies?: readonly NamedPolicy[];
    readonly managedPolicyArns?: readonly string[];
    /** Who may assume the role (AssumeRolePolicyDocument); default: SageMaker, as for notebook roles. */
    readonly trustPolicy?: PolicyDocument;
  }): string {
    const path = options.path ?? '/';
    const arn = `arn:aws:iam::${this.accountId}:role${path}${options.roleName}`;
    if (this.roles.has(options.roleName.toLowerCase())) {
      throw new Error(`SimulatedIam: role ${options.roleName} already exists`);
    }
    const inline = options.inlinePolicies ?? [];
    const inlineCharacters = inline.reduce((total, policy) => total + policyCharacters(policy.document), 0);
    if (inlineCharacters > ROLE_INLINE_POLICIES_MAX_CHARACTERS) {
      throw limitExceeded(
        `Maximum policy size of ${ROLE_INLINE_POLICIES_MAX_CHARACTERS} bytes exceeded for role ${options.roleName} (${inlineCharacters})`,
      );
    }
    const role = this.ensureRole(arn, inline);
    if (options.trustPolicy !== undefined) {
      this.roles.set(options.roleName.toLowerCase(), {
        ...role,
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(options.trustPolicy)),
      });
    }
    for (const managed of options.managedPolicyArns ?? []) this.attachRolePolicy(options.roleName, managed);
    return arn;
  }

  putRolePolicy(roleName: string, policy: NamedPolicy): void {
    const { inline } = this.policiesOfRole(roleName);
    const others = [...inline].filter(([name]) => name !== policy.name);
    const total = others.reduce(
      (sum, [, document]) => sum + policyCharacters(document),
      policyCharacters(policy.document),
    );
    if (total > ROLE_INLINE_POLICIES_MAX_CHARACTERS) {
      throw limitExceeded(
        `Maximum policy size of ${ROLE_INLINE_POLICIES_MAX_CHARACTERS} bytes exceeded for role ${roleName} (${total})`,
      );
    }
    inline.set(policy.name, unchangeablePolicy(policy.document));
  }

  /** Creates a customer managed policy; returns its ARN. */
  createPolicy(name: string, document: PolicyDocument, path = '/'): string {
    if (policyCharacters(document) > MANAGED_POLICY_MAX_CHARACTERS) {
      throw limitExceeded(
        `Cannot exceed quota for PolicySize: ${MANAGED_POLICY_MAX_CHARACTERS} (policy ${name}: ${policyCharacters(document)})`,
      );
    }
    const arn = `arn:aws:iam::${this.accountId}:policy${path}${name}`;
    // Policy names are unique in an account, whatever the path (IAM CreatePolicy: EntityAlreadyExists).
    if ([...this.managedPolicies.keys()].some((existing) => existing.endsWith(`/${name}`))) {
      throw new AwsServiceError({
        service: 'IAM',
        operation: 'CreatePolicy',
        code: 'EntityAlreadyExists',
        httpStatusCode: 409,
        message: `A policy called ${name} already exists. Duplicate names are not allowed.`,
      });
    }
    this.managedPolicies.set(arn, unchangeablePolicy(document));
    return arn;
  }

  /** A new default version of a customer managed policy (CreatePolicyVersion with SetAsDefault). */
  setManagedPolicyDocument(policyArn: string, document: PolicyDocument): void {
    if (!this.managedPolicies.has(policyArn)) throw new Error(`SimulatedIam: no managed policy ${policyArn}`);
    if (policyCharacters(document) > MANAGED_POLICY_MAX_CHARACTERS) {
      throw limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_MAX_CHARACTERS}`);
    }
    this.managedPolicies.set(policyArn, unchangeablePolicy(document));
  }

  attachRolePolicy(roleName: string, policyArn: string): void {
    if (!this.managedPolicies.has(policyArn) && !policyArn.includes(':aws:policy/')) {
      throw new Error(`SimulatedIam: no managed policy ${policyArn}`);
    }
    const { attached } = this.policiesOfRole(roleName);
    if (!attached.has(policyArn) && attached.size >= MANAGED_POLICIES_PER_ROLE) {
      throw limitExceeded(
        `Cannot exceed quota for PoliciesPerRole: ${MANAGED_POLICIES_PER_ROLE} (role ${roleName})`,
      );
    }
    attached.add(policyArn);
  }

  /** Sets the resource-based policy of a resource of another service (bucket, key, topic, queue...). */
  setResourcePolicy(resourceArn: string, document: PolicyDocument): void {
    this.resourcePolicies.set(resourceArn, unchangeablePolicy(document));
  }

  resourcePolicyOf(arn: string): PolicyDocument | undefined {
    return this.resourcePolicies.get(arn);
  }

  /** Whether a role of this name exists (names are case-insensitive). */
  hasRole(roleName: string): boolean {
    return this.roles.has(roleName.toLowerCase());
  }

  /**
   * The trust policy of a role of this account, which AssumeRole evaluates as the role's resource
   * policy; undefined when no such role exists.
   */
  trustPolicyOf(roleArn: string): PolicyDocument | undefined {
    const match = ROLE_ARN.exec(roleArn);
    if (!match || match[1] !== this.accountId) return undefined;
    const role = this.roles.get((match[3] ?? '').toLowerCase());
    // The path is part of the ARN: a role of the same name under another path is another ARN.
    if (!role || role.Arn !== roleArn) return undefined;
    return JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) as PolicyDocument;
  }

  /**
   * The role's inline and customer managed policies. AWS managed policies are not simulated: a role
   * relying on one gets no permission from it (none of the project's principals does).
   */
  identityPoliciesOf(roleArn: string): readonly NamedPolicy[] | undefined {
    const match = ROLE_ARN.exec(roleArn);
    const policies = match ? this.rolePolicies.get((match[3] ?? '').toLowerCase()) : undefined;
    if (!policies) return undefined;
    return [
      ...[...policies.inline].map(([name, document]) => ({ name, document })),
      ...[...policies.attached]
        .filter((arn) => this.managedPolicies.has(arn))
        .map((arn) => ({ name: arn, document: this.managedPolicies.get(arn) as PolicyDocument })),
    ];
  }

  private policiesOfRole(roleName: string): RolePolicies {
    const policies = this.rolePolicies.get(roleName.toLowerCase());
    if (!policies) throw new Error(`SimulatedIam: no role ${roleName}`);
    return policies;
  }

  /** Creates a role by name and path (default `/`), returning its ARN. */
  seedRole(options: { readonly roleName: string; readonly path?: string }): string {
    const path = options.path ?? '/';
    return this.ensureRole(`arn:aws:iam::${this.accountId}:role${path}${options.roleName}`).Arn;
  }

  getRole(input: { RoleName?: string }): { Role: SimulatedRole } {
    const operation = 'GetRole';
    const reader = InputReader.of(
      input,
      (message) => new AwsServiceError({ service: 'IAM', operation, code: 'ValidationError', message }),
    );
    reader.rejectUnknown(['RoleName']);
    const roleName = reader.requiredString('RoleName', {
      minLength: 1,
      maxLength: 64,
      pattern: '[\\w+=,.@-]+',
    });
    const role = this.roles.get(roleName.toLowerCase());
    if (role === undefined) {
      throw new AwsServiceError({
        service: 'IAM',
        operation,
        code: 'NoSuchEntity',
        httpStatusCode: 404,
        message: `The role with name ${roleName} cannot be found.`,
      });
    }
    return { Role: { ...role } };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside the operation; the cast only names the shape.
    return { GetRole: (input) => this.getRole(input as { RoleName?: string }) };
  }
}
