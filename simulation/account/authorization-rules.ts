/**
 * What each simulated API call needs of IAM: its own action on its resource, with the condition keys
 * AWS sets from the request, and the permissions AWS checks of the caller on its behalf (iam:PassRole,
 * the EC2 calls of a notebook in a VPC, KMS for encrypted resources, Secrets Manager for a private
 * repository).
 *
 * Sources, per service (see simulation/README.md, "IAM"):
 * - SageMaker: "Amazon SageMaker AI API Permissions: Actions, Permissions, and Resources Reference"
 *   (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html) for the extra
 *   permissions, and the Service Authorization Reference (list_amazonsagemaker.html) for condition keys.
 * - S3: the GetObject/HeadObject API references (404 only with s3:ListBucket), "Using server-side
 *   encryption with AWS KMS keys" (kms:GenerateDataKey to write, kms:Decrypt to read, the bucket ARN as
 *   encryption context with an S3 Bucket Key).
 * - DynamoDB: "Encryption at rest: how it works" (item calls decrypt the table key as the caller).
 * - SNS and SQS: "Key management" (a publisher or producer needs kms:GenerateDataKey and kms:Decrypt).
 * - KMS: "AWS KMS condition keys" (kms:ViaService values).
 * - Step Functions: SendTaskSuccess/Failure/Heartbeat have no resource type (Resource "*").
 */
import {
  type AuthorizationLookups,
  arn,
  asString,
  asStrings,
  type Input,
  kmsUse,
  passRole,
  type Rule,
  sageMakerArn,
  tagContext,
  viaService,
} from './authorization-rule-kit.js';
import { INFERENCE_RULES } from './authorization-rules-inference.js';
import { MONITORING_RULES } from './authorization-rules-monitoring.js';
import type { ContextValue, RequiredAuthorization } from './authorizer.js';
import type { SimulatedService } from './errors.js';

export type { AuthorizationLookups } from './authorization-rule-kit.js';

/** What SageMaker checks of the caller when it (re)creates a notebook's network interface. */
function notebookNetwork(
  subnetId: string | undefined,
  securityGroupIds: readonly string[],
  lookups: AuthorizationLookups,
  options: { readonly describeInterfaces: boolean },
): RequiredAuthorization[] {
  if (!subnetId) return [];
  const ec2 = (resource: string) => arn(lookups, 'ec2', resource);
  return [
    { action: 'ec2:CreateNetworkInterface', resource: ec2('network-interface/*') },
    { action: 'ec2:CreateNetworkInterface', resource: ec2(`subnet/${subnetId}`) },
    ...securityGroupIds.map((group) => ({
      action: 'ec2:CreateNetworkInterface',
      resource: ec2(`security-group/${group}`),
    })),
    ...(options.describeInterfaces ? [{ action: 'ec2:DescribeNetworkInterfaces', resource: '*' }] : []),
    { action: 'ec2:DescribeSecurityGroups', resource: '*' },
    { action: 'ec2:DescribeSubnets', resource: '*' },
    { action: 'ec2:DescribeVpcs', resource: '*' },
  ];
}

function notebookKey(keyId: string | undefined, lookups: AuthorizationLookups, actions: readonly string[]) {
  const keyArn = keyId ? lookups.keyArn(keyId) : undefined;
  // No such key: SageMaker refuses the request itself (ValidationException).
  if (!keyArn) return [];
  return actions.map((action) => ({
    action,
    resource: keyArn,
    resourcePolicyArn: keyArn,
    context: {
      ...viaService('sagemaker', lookups),
      ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
    },
  }));
}

function repositorySecrets(names: readonly string[], lookups: AuthorizationLookups): RequiredAuthorization[] {
  return names
    .map((name) => lookups.codeRepositorySecretArn(name))
    .filter((secret): secret is string => secret !== undefined)
    .map((secret) => ({ action: 'secretsmanager:GetSecretValue', resource: secret }));
}

/**
 * The request keys Create and UpdateNotebookInstance carry when the request sets them (Service
 * Authorization Reference, SageMaker): the minimum IMDS version and the accelerator types.
 */
function notebookSettingKeys(input: Input): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  const imds = input.InstanceMetadataServiceConfiguration as
    | { readonly MinimumInstanceMetadataServiceVersion?: unknown }
    | undefined;
  const version = asString(imds?.MinimumInstanceMetadataServiceVersion);
  if (version) context['sagemaker:MinimumInstanceMetadataServiceVersion'] = version;
  const accelerators = asStrings(input.AcceleratorTypes);
  if (accelerators.length > 0) context['sagemaker:AcceleratorTypes'] = accelerators;
  return context;
}

const notebookAction =
  (action: string): Rule =>
  (input, lookups) => [
    {
      action: `sagemaker:${action}`,
      resource: sageMakerArn(lookups, 'notebook-instance', asString(input.NotebookInstanceName) ?? ''),
    },
  ];

const SAGEMAKER: Readonly<Record<string, Rule>> = {
  DescribeNotebookInstance: notebookAction('DescribeNotebookInstance'),
  StopNotebookInstance: notebookAction('StopNotebookInstance'),
  StartNotebookInstance: (input, lookups) => {
    const name = asString(input.NotebookInstanceName) ?? '';
    const notebook = lookups.notebook(name);
    return [
      ...notebookAction('StartNotebookInstance')(input, lookups),
      ...(notebook
        ? [
            passRole(notebook.roleArn),
            ...notebookNetwork(notebook.subnetId, notebook.securityGroupIds, lookups, {
              describeInterfaces: true,
            }),
            ...notebookKey(notebook.kmsKeyId, lookups, ['kms:DescribeKey', 'kms:CreateGrant']),
            ...repositorySecrets(notebook.codeRepositoryNames, lookups),
          ]
        : []),
    ];
  },
  DeleteNotebookInstance: (input, lookups) => {
    const notebook = lookups.notebook(asString(input.NotebookInstanceName) ?? '');
    return [
      ...notebookAction('DeleteNotebookInstance')(input, lookups),
      ...(notebook?.subnetId && notebook.networkInterfaceId
        ? [
            {
              action: 'ec2:DeleteNetworkInterface',
              resource: arn(lookups, 'ec2', `network-interface/${notebook.networkInterfaceId}`),
            },
          ]
        : []),
      ...notebookKey(notebook?.kmsKeyId, lookups, ['kms:DescribeKey']),
    ];
  },
  UpdateNotebookInstance: (input, lookups) => {
    const name = asString(input.NotebookInstanceName) ?? '';
    const notebook = lookups.notebook(name);
    const context: Record<string, ContextValue> = { ...notebookSettingKeys(input) };
    if (asString(input.RootAccess)) context['sagemaker:RootAccess'] = String(input.RootAccess);
    if (asString(input.InstanceType)) context['sagemaker:InstanceTypes'] = [String(input.InstanceType)];
    if (asString(input.LifecycleConfigName)) {
      context['sagemaker:NotebookInstanceLifecycleConfigArns'] = [
        sageMakerArn(lookups, 'notebook-instance-lifecycle-config', String(input.LifecycleConfigName)),
      ];
    }
    const role = asString(input.RoleArn) ?? notebook?.roleArn;
    return [
      {
        action: 'sagemaker:UpdateNotebookInstance',
        resource: sageMakerArn(lookups, 'notebook-instance', name),
        context,
      },
      // The permissions reference lists iam:PassRole for every update, not only when RoleArn changes.
      ...(role ? [passRole(role)] : []),
    ];
  },
  CreateNotebookInstance: (input, lookups) => {
    const name = asString(input.NotebookInstanceName) ?? '';
    const resource = sageMakerArn(lookups, 'notebook-instance', name);
    const subnetId = asString(input.SubnetId);
    const groups = asStrings(input.SecurityGroupIds);
    const keyId = asString(input.KmsKeyId);
    const context: Record<string, ContextValue> = {
      // Omitted settings take their defaults, which is what the condition keys then carry.
      'sagemaker:RootAccess': asString(input.RootAccess) ?? 'Enabled',
      'sagemaker:DirectInternetAccess': asString(input.DirectInternetAccess) ?? 'Enabled',
      'sagemaker:InstanceTypes': [asString(input.InstanceType) ?? ''],
      ...notebookSettingKeys(input),
      ...tagContext(input.Tags),
    };
    if (subnetId) context['sagemaker:VpcSubnets'] = [subnetId];
    if (groups.length > 0) context['sagemaker:VpcSecurityGroupIds'] = groups;
    if (keyId) {
      // The SAR lists sagemaker:VolumeKmsKeyArn (the key ARN) and keeps the deprecated VolumeKmsKey.
      const keyArn = lookups.keyArn(keyId) ?? keyId;
      context['sagemaker:VolumeKmsKeyArn'] = keyArn;
      context['sagemaker:VolumeKmsKey'] = keyArn;
    }
    if (asString(input.LifecycleConfigName)) {
      context['sagemaker:NotebookInstanceLifecycleConfigArns'] = [
        sageMakerArn(lookups, 'notebook-instance-lifecycle-config', String(input.LifecycleConfigName)),
      ];
    }
    const repositories = [
      asString(input.DefaultCodeRepository),
      ...asStrings(input.AdditionalCodeRepositories),
    ].filter((repository): repository is string => repository !== undefined);
    const tags = Array.isArray(input.Tags) && input.Tags.length > 0;
    return [
      { action: 'sagemaker:CreateNotebookInstance', resource, context },
      passRole(asString(input.RoleArn) ?? ''),
      ...(tags
        ? [
            {
              action: 'sagemaker:AddTags',
              resource,
              context: { 'sagemaker:TaggingAction': 'CreateNotebookInstance', ...tagContext(input.Tags) },
            },
          ]
        : []),
      ...notebookNetwork(subnetId, groups, lookups, { describeInterfaces: false }),
      ...notebookKey(keyId, lookups, ['kms:DescribeKey', 'kms:CreateGrant']),
      ...repositorySecrets(repositories, lookups),
    ];
  },
  ListTags: (input) => [{ action: 'sagemaker:ListTags', resource: asString(input.ResourceArn) ?? '' }],
  AddTags: (input) => [
    {
      action: 'sagemaker:AddTags',
      resource: asString(input.ResourceArn) ?? '',
      context: tagContext(input.Tags),
    },
  ],
  DeleteTags: (input) => [
    {
      action: 'sagemaker:DeleteTags',
      resource: asString(input.ResourceArn) ?? '',
      context: { 'aws:TagKeys': asStrings(input.TagKeys) },
    },
  ],
  DescribeNotebookInstanceLifecycleConfig: lifecycleConfig('DescribeNotebookInstanceLifecycleConfig'),
  CreateNotebookInstanceLifecycleConfig: lifecycleConfig('CreateNotebookInstanceLifecycleConfig'),
  UpdateNotebookInstanceLifecycleConfig: lifecycleConfig('UpdateNotebookInstanceLifecycleConfig'),
  DeleteNotebookInstanceLifecycleConfig: lifecycleConfig('DeleteNotebookInstanceLifecycleConfig'),
  ListNotebookInstances: () => [{ action: 'sagemaker:ListNotebookInstances', resource: '*' }],
  ListNotebookInstanceLifecycleConfigs: () => [
    { action: 'sagemaker:ListNotebookInstanceLifecycleConfigs', resource: '*' },
  ],
  DescribeCodeRepository: codeRepository('DescribeCodeRepository'),
  CreateCodeRepository: codeRepository('CreateCodeRepository'),
  DeleteCodeRepository: codeRepository('DeleteCodeRepository'),
};

function lifecycleConfig(action: string): Rule {
  return (input, lookups) => [
    {
      action: `sagemaker:${action}`,
      resource: sageMakerArn(
        lookups,
        'notebook-instance-lifecycle-config',
        asString(input.NotebookInstanceLifecycleConfigName) ?? '',
      ),
    },
  ];
}

function codeRepository(action: string): Rule {
  return (input, lookups) => [
    {
      action: `sagemaker:${action}`,
      resource: sageMakerArn(lookups, 'code-repository', asString(input.CodeRepositoryName) ?? ''),
    },
  ];
}

/** `securityhub:ASFFSyntaxPath/<path>` for each field a BatchUpdateFindings request sets. */
function asffPaths(input: Input): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  const visit = (value: unknown, path: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) visit(inner, path ? `${path}.${key}` : key);
    } else if (path) {
      context[`securityhub:ASFFSyntaxPath/${path}`] = Array.isArray(value)
        ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
        : String(value);
    }
  };
  const { FindingIdentifiers: _identifiers, ...fields } = input;
  visit(fields, '');
  return context;
}

const SECURITY_HUB: Readonly<Record<string, Rule>> = {
  BatchUpdateFindings: (input, lookups) => [
    {
      action: 'securityhub:BatchUpdateFindings',
      resource: arn(lookups, 'securityhub', 'hub/default'),
      context: asffPaths(input),
    },
  ],
  // The same IAM action as V1 (Security Hub API reference), on the hubv2 resource, with
  // securityhub:OCSFSyntaxPath/<field> for each field the request sets.
  BatchUpdateFindingsV2: (input, lookups) => [
    {
      action: 'securityhub:BatchUpdateFindings',
      resource: arn(lookups, 'securityhub', `hubv2/${SIMULATED_HUB_V2_ID}`),
      context: Object.fromEntries(
        (['StatusId', 'SeverityId', 'Comment'] as const)
          .filter((field) => input[field] !== undefined)
          .map((field) => [`securityhub:OCSFSyntaxPath/${field}`, String(input[field])]),
      ),
    },
  ],
};

/** The id in the simulated account's hubv2 ARN (AWS generates one when the new Security Hub is enabled). */
export const SIMULATED_HUB_V2_ID = 'a1b2c3d4-5678-90ab-cdef-111122223333';

function tableRule(action: string): Rule {
  return (input, lookups) => {
    const table = asString(input.TableName) ?? '';
    return [
      { action: `dynamodb:${action}`, resource: arn(lookups, 'dynamodb', `table/${table}`) },
      // Item calls decrypt the table key as the caller (DynamoDB encryption at rest, "How it works").
      // Its encryption context: the table name and the account ("How Amazon DynamoDB uses AWS KMS").
      ...kmsUse(['kms:Decrypt'], lookups.tableKeyArn(table), 'dynamodb', lookups, {
        'aws:dynamodb:tableName': table,
        'aws:dynamodb:subscriberId': lookups.accountId,
      }),
    ];
  };
}

const DYNAMODB: Readonly<Record<string, Rule>> = {
  GetItem: tableRule('GetItem'),
  PutItem: tableRule('PutItem'),
  UpdateItem: tableRule('UpdateItem'),
  DeleteItem: tableRule('DeleteItem'),
  Scan: tableRule('Scan'),
};

const SNS: Readonly<Record<string, Rule>> = {
  Publish: (input, lookups) => {
    const topic = asString(input.TopicArn) ?? '';
    return [
      { action: 'sns:Publish', resource: topic, resourcePolicyArn: topic },
      ...kmsUse(['kms:GenerateDataKey', 'kms:Decrypt'], lookups.topicKeyArn(topic), 'sns', lookups, {
        'aws:sns:topicArn': topic,
      }),
    ];
  },
};

const SQS: Readonly<Record<string, Rule>> = {
  SendMessage: (input, lookups) => {
    // No such queue: SQS answers QueueDoesNotExist.
    const queue = lookups.queue(asString(input.QueueUrl) ?? '');
    if (!queue) return [];
    return [
      { action: 'sqs:SendMessage', resource: queue.arn, resourcePolicyArn: queue.arn },
      ...kmsUse(['kms:GenerateDataKey', 'kms:Decrypt'], queue.keyArn, 'sqs', lookups, {
        'aws:sqs:arn': queue.arn,
      }),
    ];
  },
  GetQueueAttributes: (input, lookups) => {
    const queue = lookups.queue(asString(input.QueueUrl) ?? '');
    return queue
      ? [{ action: 'sqs:GetQueueAttributes', resource: queue.arn, resourcePolicyArn: queue.arn }]
      : [];
  },
};

const objectArn = (lookups: AuthorizationLookups, bucket: string, key: string) =>
  `arn:${lookups.partition}:s3:::${bucket}/${key}`;
const bucketArn = (lookups: AuthorizationLookups, bucket: string) =>
  `arn:${lookups.partition}:s3:::${bucket}`;

/** The key S3 encrypts with on the caller's behalf, and the encryption context it uses. */
function s3Key(
  lookups: AuthorizationLookups,
  bucket: string,
  key: string,
  keyArn: string | undefined,
): { keyArn?: string; context: Record<string, string> } {
  const encryption = lookups.bucketEncryption(bucket);
  const effective = keyArn ?? encryption?.keyArn;
  const context = {
    'aws:s3:arn': encryption?.bucketKey ? bucketArn(lookups, bucket) : objectArn(lookups, bucket, key),
  };
  return effective ? { keyArn: effective, context } : { context };
}

const S3: Readonly<Record<string, Rule>> = {
  GetObject: (input, lookups) => {
    const bucket = asString(input.Bucket) ?? '';
    const key = asString(input.Key) ?? '';
    const { keyArn, context } = s3Key(lookups, bucket, key, lookups.objectKeyArn(bucket, key));
    return [
      {
        action: input.VersionId ? 's3:GetObjectVersion' : 's3:GetObject',
        resource: objectArn(lookups, bucket, key),
        resourcePolicyArn: bucketArn(lookups, bucket),
      },
      ...(lookups.objectKeyArn(bucket, key) ? kmsUse(['kms:Decrypt'], keyArn, 's3', lookups, context) : []),
    ];
  },
  HeadObject: (input, lookups) => [
    {
      action: input.VersionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(lookups, asString(input.Bucket) ?? '', asString(input.Key) ?? ''),
      resourcePolicyArn: bucketArn(lookups, asString(input.Bucket) ?? ''),
    },
  ],
  PutObject: (input, lookups) => {
    const bucket = asString(input.Bucket) ?? '';
    const key = asString(input.Key) ?? '';
    const requestedKey = asString(input.SSEKMSKeyId);
    const algorithm = asString(input.ServerSideEncryption);
    const context: Record<string, ContextValue> = {};
    if (algorithm) context['s3:x-amz-server-side-encryption'] = algorithm;
    if (requestedKey) {
      context['s3:x-amz-server-side-encryption-aws-kms-key-id'] =
        lookups.keyArn(requestedKey) ?? requestedKey;
    }
    if (asString(input.SSECustomerAlgorithm)) {
      context['s3:x-amz-server-side-encryption-customer-algorithm'] = String(input.SSECustomerAlgorithm);
    }
    const usesKms = algorithm === undefined || algorithm.startsWith('aws:kms');
    const encryption = s3Key(lookups, bucket, key, requestedKey ? lookups.keyArn(requestedKey) : undefined);
    return [
      {
        action: 's3:PutObject',
        resource: objectArn(lookups, bucket, key),
        resourcePolicyArn: bucketArn(lookups, bucket),
        context,
      },
      ...(usesKms
        ? kmsUse(['kms:GenerateDataKey'], encryption.keyArn, 's3', lookups, encryption.context)
        : []),
    ];
  },
  DeleteObject: (input, lookups) => [
    {
      action: input.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: objectArn(lookups, asString(input.Bucket) ?? '', asString(input.Key) ?? ''),
      resourcePolicyArn: bucketArn(lookups, asString(input.Bucket) ?? ''),
    },
  ],
  ListObjectsV2: (input, lookups) => [
    {
      action: 's3:ListBucket',
      resource: bucketArn(lookups, asString(input.Bucket) ?? ''),
      resourcePolicyArn: bucketArn(lookups, asString(input.Bucket) ?? ''),
      context: {
        's3:prefix': asString(input.Prefix) ?? '',
        ...(asString(input.Delimiter) ? { 's3:delimiter': String(input.Delimiter) } : {}),
        ...(input.MaxKeys !== undefined ? { 's3:max-keys': String(input.MaxKeys) } : {}),
      },
    },
  ],
  ListObjectVersions: (input, lookups) => [
    {
      action: 's3:ListBucketVersions',
      resource: bucketArn(lookups, asString(input.Bucket) ?? ''),
      resourcePolicyArn: bucketArn(lookups, asString(input.Bucket) ?? ''),
      context: { 's3:prefix': asString(input.Prefix) ?? '' },
    },
  ],
  HeadBucket: bucketRule('s3:ListBucket'),
  CreateBucket: bucketRule('s3:CreateBucket'),
  PutBucketVersioning: bucketRule('s3:PutBucketVersioning'),
  GetBucketVersioning: bucketRule('s3:GetBucketVersioning'),
};

function bucketRule(action: string): Rule {
  return (input, lookups) => [
    {
      action,
      resource: bucketArn(lookups, asString(input.Bucket) ?? ''),
      resourcePolicyArn: bucketArn(lookups, asString(input.Bucket) ?? ''),
    },
  ];
}

/**
 * When GetObject or HeadObject finds no object: S3 answers 404 only if the caller may list the
 * bucket. The check carries no s3:prefix (a ListBucket grant conditioned on a prefix does not count;
 * the stricter of the behaviours reported, see simulation/README.md).
 */
export function listBucketForMissingObject(
  bucket: string,
  lookups: AuthorizationLookups,
): RequiredAuthorization {
  return {
    action: 's3:ListBucket',
    resource: bucketArn(lookups, bucket),
    resourcePolicyArn: bucketArn(lookups, bucket),
  };
}

const IAM: Readonly<Record<string, Rule>> = {
  GetRole: (input, lookups) => [
    {
      action: 'iam:GetRole',
      resource: `arn:${lookups.partition}:iam::${lookups.accountId}:role/${asString(input.RoleName) ?? ''}`,
    },
  ],
};

const keyRule =
  (action: string, extra: Record<string, ContextValue> = {}): Rule =>
  (input, lookups) => {
    // A key that does not exist has no key policy to evaluate: KMS answers NotFoundException.
    const keyArn = lookups.keyArn(asString(input.KeyId) ?? '');
    if (!keyArn) return [];
    return [
      {
        action,
        resource: keyArn,
        resourcePolicyArn: keyArn,
        context: { 'kms:CallerAccount': lookups.accountId, ...extra },
      },
    ];
  };

const KMS: Readonly<Record<string, Rule>> = {
  DescribeKey: keyRule('kms:DescribeKey'),
  CreateGrant: keyRule('kms:CreateGrant'),
  ListGrants: keyRule('kms:ListGrants'),
};

const describeAll =
  (action: string): Rule =>
  () => [{ action, resource: '*' }];

const EC2: Readonly<Record<string, Rule>> = {
  DescribeSubnets: describeAll('ec2:DescribeSubnets'),
  DescribeSecurityGroups: describeAll('ec2:DescribeSecurityGroups'),
  DescribeVpcs: describeAll('ec2:DescribeVpcs'),
  DescribeNetworkInterfaces: describeAll('ec2:DescribeNetworkInterfaces'),
};

/** A secret named by name or ARN is authorized against its full ARN; one that does not exist is not found. */
const secretRule =
  (action: string): Rule =>
  (input, lookups) => {
    const secret = lookups.secretArn(asString(input.SecretId) ?? '');
    return secret ? [{ action, resource: secret }] : [];
  };

const SECRETS_MANAGER: Readonly<Record<string, Rule>> = {
  GetSecretValue: secretRule('secretsmanager:GetSecretValue'),
  DescribeSecret: secretRule('secretsmanager:DescribeSecret'),
};

/**
 * ListParents is authorized on the child (Service Authorization Reference: account or
 * organizationalunit). Outside an organization there is no ARN: Organizations answers
 * AWSOrganizationsNotInUseException.
 */
const ORGANIZATIONS: Readonly<Record<string, Rule>> = {
  ListParents: (input, lookups) => {
    const child = lookups.organizationsChildArn?.(asString(input.ChildId) ?? '');
    return child
      ? [{ action: 'organizations:ListParents', resource: child, resourceAccount: lookups.accountId }]
      : [];
  },
};

const RULES: Readonly<Partial<Record<SimulatedService, Readonly<Record<string, Rule>>>>> = {
  SageMaker: { ...SAGEMAKER, ...INFERENCE_RULES, ...MONITORING_RULES },
  SecurityHub: SECURITY_HUB,
  DynamoDB: DYNAMODB,
  SNS,
  S3,
  IAM,
  KMS,
  EC2,
  SQS,
  SecretsManager: SECRETS_MANAGER,
  Organizations: ORGANIZATIONS,
};

/**
 * The permissions a call needs, in the order AWS would find them missing. Throws for a call without
 * a rule: every simulated operation must say what it needs.
 */
export function requiredAuthorizations(
  service: SimulatedService,
  operation: string,
  input: unknown,
  lookups: AuthorizationLookups,
): RequiredAuthorization[] {
  const rule = RULES[service]?.[operation];
  if (!rule) throw new Error(`No IAM rule for ${service} ${operation}: add it to authorization-rules.ts`);
  const record = input !== null && typeof input === 'object' ? (input as Input) : {};
  // A request that does not name its resource fails the service's own validation first.
  return rule(record, lookups).filter((required) => !incomplete(required.resource));
}

/** An empty resource, or an ARN whose resource name is missing (`.../table/`, `...:notebook-instance/`). */
function incomplete(resource: string): boolean {
  return resource === '' || resource.endsWith('/') || resource.endsWith(':');
}
