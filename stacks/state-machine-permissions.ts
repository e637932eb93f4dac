/**
 * The state machine's IAM permissions, derived from its definition so that the two cannot drift: a
 * Task added to the definition gets exactly its action, on the resources the stack scopes for its
 * service, and a Task calling a service the stack has not scoped fails synthesis.
 *
 * Pure (no CDK imports): statements are plain IAM JSON, so tests can compare them exactly and the
 * stack turns them into PolicyStatements with PolicyStatement.fromJson.
 */
import {
  LAMBDA_INVOKE,
  parseSdkIntegration,
  type StateMachineDefinition,
  taskStates,
} from '../statemachines/amazon-states-language.js';

/** IAM action prefix of each AWS SDK integration service name the project may call. */
export const SDK_SERVICE_IAM_PREFIXES: Readonly<Record<string, string>> = {
  sagemaker: 'sagemaker',
  securityhub: 'securityhub',
  sns: 'sns',
  dynamodb: 'dynamodb',
  s3: 's3',
};

export type IamConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** What one service's Tasks may act on. */
export interface ServiceScope {
  /** ARNs the service's actions are allowed on. */
  readonly resources: readonly string[];
  /**
   * Conditions added to the service's statement.
   * @default - none
   */
  readonly conditions?: IamConditions;
  /**
   * KMS key protecting those resources: the role gets kms:Decrypt and kms:GenerateDataKey on it, only
   * through this service (kms:ViaService).
   * @default - the resources are not encrypted with a customer managed key
   */
  readonly kmsKeyArn?: string;
}

export interface StateMachineScopes {
  /** Scope per AWS SDK integration service, keyed by the `<service>` of `arn:aws:states:::aws-sdk:<service>:<action>`. */
  readonly services: Readonly<Record<string, ServiceScope>>;
  /** Function ARN per definition placeholder used as FunctionName by `lambda:invoke` Tasks. */
  readonly lambdaFunctions: Readonly<Record<string, string>>;
  /** Region and URL suffix the kms:ViaService values are built from (tokens are fine). */
  readonly kmsViaService: { readonly region: string; readonly urlSuffix: string };
}

/** An IAM policy statement in its JSON form, as `PolicyStatement.fromJson` accepts it. */
export interface PolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const PLACEHOLDER_ONLY = /^\$\{([A-Za-z0-9]+)\}$/;

const pascalCase = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);
const sidFor = (prefix: string): string => `${pascalCase(prefix)}Tasks`;
const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

function copyConditions(conditions: IamConditions): Record<string, Record<string, string | string[]>> {
  return Object.fromEntries(
    Object.entries(conditions).map(([operator, keys]) => [
      operator,
      Object.fromEntries(
        Object.entries(keys).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]]),
      ),
    ]),
  );
}

/**
 * One Allow statement per service the definition's Tasks call (actions sorted, services in alphabetical
 * order of IAM prefix), then one KMS statement per key those services' resources are encrypted with.
 *
 * @throws one Error listing every Task whose permission cannot be derived (unscoped service, unknown
 *   integration, FunctionName that is not a scoped placeholder)
 */
export function deriveStateMachineStatements(
  definition: StateMachineDefinition,
  scopes: StateMachineScopes,
): PolicyStatementJson[] {
  const problems: string[] = [];
  const actionsByService = new Map<string, Set<string>>();
  const functionPlaceholders = new Set<string>();

  for (const [stateName, task] of taskStates(definition)) {
    if (task.Resource === LAMBDA_INVOKE) {
      const functionName = task.Parameters?.FunctionName;
      const placeholder =
        typeof functionName === 'string' ? PLACEHOLDER_ONLY.exec(functionName)?.[1] : undefined;
      if (!placeholder) {
        problems.push(`${stateName}: lambda:invoke needs FunctionName to be a single \${Placeholder}`);
      } else if (scopes.lambdaFunctions[placeholder] === undefined) {
        problems.push(`${stateName}: no function ARN is scoped for placeholder \${${placeholder}}`);
      } else {
        functionPlaceholders.add(placeholder);
      }
      continue;
    }
    // A callback task (`.waitForTaskToken`) needs the same action as the plain call.
    const integration = parseSdkIntegration(task.Resource);
    if (!integration) {
      problems.push(
        `${stateName}: unsupported Task resource ${task.Resource} (only aws-sdk and lambda:invoke)`,
      );
      continue;
    }
    const { service, action } = integration;
    if (SDK_SERVICE_IAM_PREFIXES[service] === undefined) {
      problems.push(`${stateName}: no IAM prefix is known for SDK service '${service}'`);
    } else if (scopes.services[service] === undefined) {
      problems.push(`${stateName}: service '${service}' (${service}:${action}) has no resource scope`);
    } else {
      const actions = actionsByService.get(service) ?? new Set<string>();
      actions.add(pascalCase(action));
      actionsByService.set(service, actions);
    }
  }

  if (problems.length > 0) {
    throw new Error(
      `Cannot derive the state machine's permissions:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }

  const byPrefix: Array<[string, PolicyStatementJson]> = [];
  const viaServiceByKey = new Map<string, Set<string>>();
  for (const [service, actions] of actionsByService) {
    const prefix = SDK_SERVICE_IAM_PREFIXES[service] as string;
    const scope = scopes.services[service] as ServiceScope;
    byPrefix.push([
      prefix,
      {
        Sid: sidFor(prefix),
        Effect: 'Allow',
        Action: [...actions].map((action) => `${prefix}:${action}`).sort(),
        Resource: [...scope.resources],
        ...(scope.conditions ? { Condition: copyConditions(scope.conditions) } : {}),
      },
    ]);
    if (scope.kmsKeyArn) {
      const via = viaServiceByKey.get(scope.kmsKeyArn) ?? new Set<string>();
      via.add(`${prefix}.${scopes.kmsViaService.region}.${scopes.kmsViaService.urlSuffix}`);
      viaServiceByKey.set(scope.kmsKeyArn, via);
    }
  }
  if (functionPlaceholders.size > 0) {
    byPrefix.push([
      'lambda',
      {
        Sid: sidFor('lambda'),
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: unique(
          [...functionPlaceholders]
            .sort()
            .map((placeholder) => scopes.lambdaFunctions[placeholder] as string),
        ),
      },
    ]);
  }
  const statements = byPrefix.sort(([a], [b]) => a.localeCompare(b)).map(([, statement]) => statement);

  let keyIndex = 0;
  for (const [keyArn, viaServices] of viaServiceByKey) {
    keyIndex += 1;
    statements.push({
      Sid: viaServiceByKey.size === 1 ? 'KmsForEncryptedResources' : `KmsForEncryptedResources${keyIndex}`,
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [keyArn],
      // The role may use the key only through the services whose encrypted resources it calls.
      Condition: { StringEquals: { 'kms:ViaService': [...viaServices].sort() } },
    });
  }
  return statements;
}
