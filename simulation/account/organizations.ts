/**
 * AWS Organizations, as far as the scope filters use it: an organization (root, nested organizational
 * units, accounts) shared by the accounts in it, and ListParents as one account sees it.
 *
 * API reference (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html):
 * only the management account or a delegated administrator may call it (others: AccessDeniedException);
 * an account in no organization gets AWSOrganizationsNotInUseException; an unknown child,
 * ChildNotFoundException; a malformed ChildId (or a root, which has no parent), InvalidInputException;
 * too many requests, TooManyRequestsException (inject it with `faults`). A child has one parent.
 * Ids follow the API's patterns: `o-` and 10-32, `r-` and 4-32, `ou-<4-32>-<8-32>` lowercase
 * letters or digits. Error messages paraphrase the API reference's descriptions (not captured text).
 */

import { deterministicHex } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';

const ACCOUNT_ID = /^\d{12}$/;
const UNIT_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

type ParentType = 'ROOT' | 'ORGANIZATIONAL_UNIT';

export interface OrganizationOptions {
  readonly managementAccountId: string;
  /** `o-` and 10 to 32 lowercase letters or digits (default derived from the management account). */
  readonly id?: string;
  /** `r-` and 4 to 32 lowercase letters or digits (default derived from the organization id). */
  readonly rootId?: string;
}

/** One organization: its tree and who may read it. Share it between the accounts that are in it. */
export class SimulatedOrganization {
  readonly id: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  /** Each child's one parent: accounts and organizational units. */
  private readonly parents = new Map<string, string>();
  private readonly units = new Set<string>();
  private readonly delegatedAdministrators = new Set<string>();

  constructor(options: OrganizationOptions) {
    this.managementAccountId = options.managementAccountId;
    this.id = options.id ?? `o-${deterministicHex(`organization-${options.managementAccountId}`, 10)}`;
    this.rootId = options.rootId ?? `r-${deterministicHex(this.id, 4)}`;
    this.parents.set(options.managementAccountId, this.rootId);
  }

  /** A new organizational unit under the root or another unit; returns its id. */
  createOrganizationalUnit(name: string, parentId: string = this.rootId): string {
    this.requireContainer(parentId);
    const id = `ou-${this.rootId.slice(2)}-${deterministicHex(`${this.id}/${name}`, 8)}`;
    if (this.units.has(id)) throw new Error(`organizational unit ${name} already exists`);
    this.units.add(id);
    this.parents.set(id, parentId);
    return id;
  }

  /** Adds (or moves) an account under the root or a unit. */
  placeAccount(accountId: string, parentId: string = this.rootId): void {
    if (!ACCOUNT_ID.test(accountId)) throw new Error(`${accountId} is not an account id`);
    this.requireContainer(parentId);
    this.parents.set(accountId, parentId);
  }

  /** The account leaves the organization. */
  removeAccount(accountId: string): void {
    if (accountId === this.managementAccountId) throw new Error('the management account cannot leave');
    this.parents.delete(accountId);
    this.delegatedAdministrators.delete(accountId);
  }

  /** Deletes an empty organizational unit. */
  deleteOrganizationalUnit(unitId: string): void {
    if ([...this.parents.values()].includes(unitId)) throw new Error(`${unitId} is not empty`);
    this.units.delete(unitId);
    this.parents.delete(unitId);
  }

  /** A member account that may read the organization (RegisterDelegatedAdministrator). */
  registerDelegatedAdministrator(accountId: string): void {
    if (!this.isMember(accountId)) throw new Error(`${accountId} is not in the organization`);
    this.delegatedAdministrators.add(accountId);
  }

  isMember(accountId: string): boolean {
    return ACCOUNT_ID.test(accountId) && this.parents.has(accountId);
  }

  /** The management account or a delegated administrator. */
  mayRead(accountId: string): boolean {
    return accountId === this.managementAccountId || this.delegatedAdministrators.has(accountId);
  }

  parentOf(childId: string): { readonly id: string; readonly type: ParentType } | undefined {
    const parent = this.parents.get(childId);
    return parent === undefined
      ? undefined
      : { id: parent, type: parent === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' };
  }

  /** The ARN IAM evaluates a call on this child against (Service Authorization Reference resource types). */
  arnOf(childId: string, partition = 'aws'): string | undefined {
    const base = `arn:${partition}:organizations::${this.managementAccountId}`;
    if (ACCOUNT_ID.test(childId)) return `${base}:account/${this.id}/${childId}`;
    if (UNIT_ID.test(childId)) return `${base}:ou/${this.id}/${childId}`;
    return undefined;
  }

  private requireContainer(parentId: string): void {
    if (parentId !== this.rootId && !this.units.has(parentId)) {
      throw new Error(`${parentId} is neither the root nor an organizational unit`);
    }
  }
}

/** Organizations as one account calls it. */
export class SimulatedOrganizations {
  /** The organization the account is in (set by `createOrganization` or `join`). */
  organization: SimulatedOrganization | undefined;

  constructor(private readonly accountId: string) {}

  /** A new organization whose management account is this account. */
  createOrganization(options: Omit<OrganizationOptions, 'managementAccountId'> = {}): SimulatedOrganization {
    this.organization = new SimulatedOrganization({ ...options, managementAccountId: this.accountId });
    return this.organization;
  }

  /** Puts this account in an existing organization, under `parentId` (default the root). */
  join(organization: SimulatedOrganization, parentId?: string): void {
    organization.placeAccount(this.accountId, parentId);
    this.organization = organization;
  }

  /** The organization this account is a member of, if any. */
  private membership(): SimulatedOrganization | undefined {
    const organization = this.organization;
    return organization?.isMember(this.accountId) ? organization : undefined;
  }

  /** The ARN a ListParents on `childId` is authorized against (none outside an organization). */
  resourceArnOf(childId: string): string | undefined {
    return this.membership()?.arnOf(childId);
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return { ListParents: (input) => this.listParents(input) };
  }

  private listParents(input: unknown): unknown {
    const context = { service: 'Organizations' as const, operation: 'ListParents' };
    const childId = String((input as { ChildId?: unknown } | null)?.ChildId ?? '');
    const organization = this.membership();
    if (!organization) {
      throw new AwsServiceError({
        ...context,
        code: 'AWSOrganizationsNotInUseException',
        message: 'Your account is not a member of an organization.',
      });
    }
    if (!organization.mayRead(this.accountId)) {
      throw new AwsServiceError({
        ...context,
        code: 'AccessDeniedException',
        message: 'You don’t have permissions to access this resource.',
      });
    }
    if (ROOT_ID.test(childId) || !(ACCOUNT_ID.test(childId) || UNIT_ID.test(childId))) {
      throw new AwsServiceError({
        ...context,
        code: 'InvalidInputException',
        message: 'You provided a value that does not match the required pattern.',
        members: { Reason: 'INVALID_PATTERN' },
      });
    }
    const parent = organization.parentOf(childId);
    if (!parent) {
      throw new AwsServiceError({
        ...context,
        code: 'ChildNotFoundException',
        message:
          'We can’t find an organizational unit (OU) or AWS account with the ChildId that you specified.',
      });
    }
    return { Parents: [{ Id: parent.id, Type: parent.type }] };
  }
}
