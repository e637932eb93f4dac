/**
 * VerifyResource: after a fix of a resource other than a notebook instance, reads the resource again
 * and evaluates the predicate of every control the fix was meant to make pass (the control modules'
 * own `fails`), so "resolved" is only ever written on what SageMaker reports.
 *
 * Returns `{ passes, failing, gone }`; it throws only when SageMaker cannot be read.
 */
import * as z from 'zod/mini';
import { RESOURCE_KINDS, type ResourceKind } from './shared/controls/resource-kinds.js';
import { findControl } from './shared/controls-catalogue.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions } from './shared/member-access.js';
import {
  deployedMemberSessions,
  type MemberSageMaker,
  memberTargetSchema,
  sageMakerOnly,
} from './shared/member-clients.js';
import { observeResource } from './shared/resource-observation.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { describeIssues } from './shared/validation.js';

export interface VerifyResourceDependencies {
  /** SageMaker as the member role of the request's target (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker>;
  readonly settings: RuntimeSettings;
  readonly logger: Logger;
}

export interface ResourceVerification {
  /** Every control of `fixes` passes on the resource as SageMaker reports it now. */
  readonly passes: boolean;
  /** The controls that still fail (empty when it passes or is gone). */
  readonly failing: readonly string[];
  /** The resource no longer exists. */
  readonly gone: boolean;
}

const kinds = [...RESOURCE_KINDS.keys()] as [ResourceKind, ...ResourceKind[]];

const verifyRequest = z.object({
  resource: z.object({
    kind: z.enum(kinds),
    name: z.string().check(z.minLength(1), z.maxLength(120)),
    arn: z.string().check(z.minLength(1), z.maxLength(2048)),
    fixes: z.array(z.string()).check(z.minLength(1)),
  }),
  /** The resource's account and Region (`$.plan.target`), and the execution the member session is named after. */
  target: memberTargetSchema,
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
});

/** The problems of a request, or the controls it names (every one must exist and check this kind). */
export function checkRequest(
  request: unknown,
):
  | { readonly problems: readonly string[] }
  | { readonly problems: readonly []; readonly parsed: z.infer<typeof verifyRequest> } {
  const parsed = verifyRequest.safeParse(request);
  if (!parsed.success) return { problems: describeIssues(parsed.error, 'request.') };
  const problems = parsed.data.resource.fixes.flatMap((id) => {
    const control = findControl(id);
    if (!control) return [`${id} is not a SageMaker control`];
    return control.kind === parsed.data.resource.kind
      ? []
      : [`${id} does not check a ${parsed.data.resource.kind}`];
  });
  return problems.length > 0 ? { problems } : { problems: [], parsed: parsed.data };
}

export function createVerifyResourceHandler(
  dependencies: VerifyResourceDependencies,
): (request: unknown) => Promise<ResourceVerification> {
  const { members, settings, logger } = dependencies;
  return async function verifyResource(request: unknown): Promise<ResourceVerification> {
    const checked = checkRequest(request);
    if (!('parsed' in checked))
      throw new Error(`Invalid VerifyResource request: ${checked.problems.join('; ')}`);
    const { resource, target, executionName } = checked.parsed;
    const controls = resource.fixes.flatMap((id) => {
      const control = findControl(id);
      return control ? [control] : [];
    });
    const { sagemaker } = await members.clientsFor(target, executionName);
    const observed = await observeResource(
      sagemaker,
      resource,
      controls.some((control) => control.module.needsTags === true),
    );
    if (!observed) {
      logger.warn('resource gone before verification', { arn: resource.arn });
      return { passes: false, failing: [], gone: true };
    }
    const context = { requiredTagKeys: Object.keys(settings.requiredTags) };
    const failing = controls
      .filter((control) => control.module.fails(observed, context))
      .map((control) => control.id);
    logger.info('resource verified', { arn: resource.arn, failing });
    return { passes: failing.length === 0, failing, gone: false };
  };
}

// Created once per container and reused across invocations.
let deployedHandler: ((request: unknown) => Promise<ResourceVerification>) | undefined;
const logger = lambdaLogger('verify-resource');

export async function handler(request: unknown, context?: LambdaContext): Promise<ResourceVerification> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createVerifyResourceHandler({
      members: deployedMemberSessions(settings.members, sageMakerOnly),
      settings,
      logger,
    });
  }
  return deployedHandler(request);
}
