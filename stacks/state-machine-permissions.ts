/**
 * The state machine's IAM permissions, derived from its definition so that the two cannot drift: a
 * Task added to the definition gets exactly its action, on the resources its own parameters name,
 * and a Task calling a service or resource the stack has not scoped fails synthesis.
 *
 * - A service's Tasks act on the resources the stack scopes for the service, or, when the scope says
 *   which parameter names the resource (DynamoDB's TableName), on the resource that parameter's
 *   placeholder stands for: the lock table is granted only what the Tasks do with the lock table.
 * - An action may have its own resources and conditions (S3's ListBucket on the bucket, under a prefix).
 * - For resources encrypted with a customer managed key, the KMS actions the service uses on the
 *   caller's behalf for those calls (DynamoDB: Decrypt; SNS: GenerateDataKey and Decrypt; S3 GetObject:
 *   Decrypt, PutObject: GenerateDataKey), only through that service (kms:ViaService).
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
  ec2: 'ec2',
  kms: 'kms',
};

/**
 * The KMS actions a service calls with the caller's permissions when it reads or writes a resource
 * encrypted with a customer managed key (DynamoDB "Encryption at rest: how it works"; SNS and S3
 * "Key management" / "Using SSE-KMS"). An empty list: the call reads no encrypted data. A Task on an
 * encrypted service whose action is not listed fails the derivation rather than go without its key.
 */
export const KMS_ACTIONS_ON_BEHALF: Readonly<Record<string, readonly string[]>> = {
  'dynamodb:GetItem': ['kms:Decrypt'],
  'dynamodb:PutItem': ['kms:Decrypt'],
  'dynamodb:UpdateItem': ['kms:Decrypt'],
  'dynamodb:DeleteItem': ['kms:Decrypt'],
  'sns:Publish': ['kms:Decrypt', 'kms:GenerateDataKey'],
  's3:GetObject': ['kms:Decrypt'],
  's3:PutObject': ['kms:GenerateDataKey'],
  // ListObjectsV2 returns keys and sizes, never object data.
  's3:ListBucket': [],
};

export type IamConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** Resources (and conditions) of a group of actions, and the Sid their statement gets. */
export interface ResourceScope {
  /** Appended to `<Service>Tasks` to name the statement (unique per service). */
  readonly sidSuffix?: string;
  readonly resources: readonly string[];
  readonly conditions?: IamConditions;
}

/** What one service's Tasks may act on. */
export interface ServiceScope extends ResourceScope {
  /**
   * The parameter that names each Task's resource (e.g. TableName) and, per placeholder it may hold,
   * the scope of that resource. A Task whose parameter holds anything else fails the derivation.
   *
   * @default - every Task of the service acts on `resources`
   */
  readonly resourceParameter?: {
    readonly name: string;
    readonly byPlaceholder: Readonly<Record<string, ResourceScope>>;
  };
  /**
   * Actions (e.g. `ListObjectsV2`, as in the integration ARN) with resources of their own.
   *
   * @default - none
   */
  readonly actions?: Readonly<Record<string, ResourceScope>>;
  /**
   * KMS key protecting the service's resources: the KMS actions the service uses on the caller's
   * behalf are granted on it, only through this service (kms:ViaService).
   *
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

interface Grant {
  readonly prefix: string;
  readonly scope: ResourceScope;
  readonly actions: Set<string>;
}

/**
 * One Allow statement per service and resource scope its Tasks use (statements in alphabetical order of
 * IAM prefix, then Sid; actions sorted), then the KMS statements of the encrypted resources.
 *
 * @throws one Error listing every Task whose permission cannot be derived (unscoped service or
 *   resource, unknown integration, FunctionName that is not a scoped placeholder)
 */
export function deriveStateMachineStatements(
  definition: StateMachineDefinition,
  scopes: StateMachineScopes,
): PolicyStatementJson[] {
  const problems: string[] = [];
  // One statement per scope object: two scopes never merge, even if they were given the same Sid.
  const grants = new Map<ResourceScope, Grant>();
  const functionPlaceholders = new Set<string>();
  const kmsUse = new Map<string, { keyArn: string; actions: Set<string> }>();

  const grant = (prefix: string, scope: ResourceScope, action: string): void => {
    const entry = grants.get(scope) ?? { prefix, scope, actions: new Set<string>() };
    entry.actions.add(action);
    grants.set(scope, entry);
  };

  for (const [stateName, task] of taskStates(definition)) {
    // A function ARN as the Resource: Step Functions invokes it and returns its result as it is.
    const directFunction = PLACEHOLDER_ONLY.exec(task.Resource)?.[1];
    if (directFunction !== undefined) {
      if (scopes.lambdaFunctions[directFunction] === undefined) {
        problems.push(`${stateName}: no function ARN is scoped for placeholder \${${directFunction}}`);
      } else {
        functionPlaceholders.add(directFunction);
      }
      continue;
    }
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
        `${stateName}: unsupported Task resource ${task.Resource} (only aws-sdk, lambda:invoke and a function placeholder)`,
      );
      continue;
    }
    const { service, action } = integration;
    const prefix = SDK_SERVICE_IAM_PREFIXES[service];
    const scope = scopes.services[service];
    if (prefix === undefined) {
      problems.push(`${stateName}: no IAM prefix is known for SDK service '${service}'`);
      continue;
    }
    if (scope === undefined) {
      problems.push(`${stateName}: service '${service}' (${service}:${action}) has no resource scope`);
      continue;
    }
    const iamAction = `${prefix}:${pascalCase(iamActionName(service, action))}`;
    let resourceScope: ResourceScope | undefined = scope.actions?.[pascalCase(action)] ?? scope;
    if (!scope.actions?.[pascalCase(action)] && scope.resourceParameter) {
      const value = task.Parameters?.[scope.resourceParameter.name];
      const placeholder = typeof value === 'string' ? PLACEHOLDER_ONLY.exec(value)?.[1] : undefined;
      resourceScope = placeholder ? scope.resourceParameter.byPlaceholder[placeholder] : undefined;
      if (!resourceScope) {
        problems.push(
          `${stateName}: ${scope.resourceParameter.name} must be a single scoped \${Placeholder} (got ${JSON.stringify(value)})`,
        );
        continue;
      }
    }
    if (scope.kmsKeyArn) {
      const onBehalf = KMS_ACTIONS_ON_BEHALF[iamAction];
      if (onBehalf === undefined) {
        problems.push(
          `${stateName}: which KMS actions ${iamAction} needs on resources encrypted with a customer managed key is not known`,
        );
        continue;
      }
      const use = kmsUse.get(prefix) ?? { keyArn: scope.kmsKeyArn, actions: new Set<string>() };
      for (const kmsAction of onBehalf) use.actions.add(kmsAction);
      kmsUse.set(prefix, use);
    }
    grant(prefix, resourceScope, iamAction);
  }

  const sids = [...grants.values()].map(({ prefix, scope }) => sidOf(prefix, scope));
  for (const sid of unique(sids.filter((sid, index) => sids.indexOf(sid) !== index))) {
    problems.push(`two resource scopes would both be statement ${sid}: give them distinct sidSuffix values`);
  }

  if (problems.length > 0) {
    throw new Error(
      `Cannot derive the state machine's permissions:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }

  const byPrefix: Array<[string, PolicyStatementJson]> = [...grants.values()].map(
    ({ prefix, scope, actions }) => [
      prefix,
      {
        Sid: sidOf(prefix, scope),
        Effect: 'Allow',
        Action: [...actions].sort(),
        Resource: [...scope.resources],
        ...(scope.conditions ? { Condition: copyConditions(scope.conditions) } : {}),
      },
    ],
  );
  if (functionPlaceholders.size > 0) {
    byPrefix.push([
      'lambda',
      {
        Sid: 'LambdaTasks',
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
  const statements = byPrefix
    .sort(([a, first], [b, second]) => a.localeCompare(b) || first.Sid.localeCompare(second.Sid))
    .map(([, statement]) => statement);

  for (const [prefix, { keyArn, actions }] of [...kmsUse].sort(([a], [b]) => a.localeCompare(b))) {
    if (actions.size === 0) continue;
    statements.push({
      Sid: `KmsThrough${pascalCase(prefix)}`,
      Effect: 'Allow',
      Action: [...actions].sort(),
      Resource: [keyArn],
      // The key only through the service whose encrypted resources these Tasks use.
      Condition: {
        StringEquals: {
          'kms:ViaService': `${prefix}.${scopes.kmsViaService.region}.${scopes.kmsViaService.urlSuffix}`,
        },
      },
    });
  }
  return statements;
}

function sidOf(prefix: string, scope: ResourceScope): string {
  return `${pascalCase(prefix)}Tasks${scope.sidSuffix ?? ''}`;
}

/** The IAM action an SDK integration's API action needs, where the two are named differently. */
function iamActionName(service: string, action: string): string {
  // ListObjectsV2 is authorized as s3:ListBucket (S3 API reference, "Permissions").
  if (service === 's3' && action === 'listObjectsV2') return 'listBucket';
  // BatchUpdateFindingsV2 is authorized as securityhub:BatchUpdateFindings (Security Hub API reference).
  if (service === 'securityhub' && action === 'batchUpdateFindingsV2') return 'batchUpdateFindings';
  return action;
}
