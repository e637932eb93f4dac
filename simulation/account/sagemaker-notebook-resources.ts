/**
 * The resources a notebook instance refers to by name: notebook instance lifecycle configurations and
 * Git code repositories. Used by the simulated SageMaker, which checks references against them and
 * runs the lifecycle scripts.
 *
 * Wordings of the not-found and already-exists errors are not documented by AWS and are invented here
 * (marked at each one); the constraints (names, at most one script per hook, 16384 characters per
 * script, Git URL, branch and secret patterns) are the API reference's.
 */

import type { SimulatedClock } from './clock.js';
import { type AwsServiceError, serializationError, validationError } from './errors.js';
import { constraintMessage, InputReader, isRecord, memberPath } from './input-reader.js';

export interface LifecycleConfig {
  readonly name: string;
  readonly arn: string;
  /** Base64 script contents (at most one each, as the API allows). */
  readonly onCreate: readonly string[];
  readonly onStart: readonly string[];
  readonly creationMs: number;
  readonly lastModifiedMs: number;
}

export interface CodeRepository {
  readonly name: string;
  readonly arn: string;
  readonly gitConfig: { RepositoryUrl: string; Branch?: string; SecretArn?: string };
  readonly creationMs: number;
  readonly lastModifiedMs: number;
}

export interface LifecycleHookContent {
  Content: string;
}

export interface DescribeNotebookInstanceLifecycleConfigResult {
  NotebookInstanceLifecycleConfigArn: string;
  NotebookInstanceLifecycleConfigName: string;
  OnCreate?: LifecycleHookContent[];
  OnStart?: LifecycleHookContent[];
  CreationTime: Date;
  LastModifiedTime: Date;
}

export interface DescribeCodeRepositoryResult {
  CodeRepositoryName: string;
  CodeRepositoryArn: string;
  CreationTime: Date;
  LastModifiedTime: Date;
  GitConfig: { RepositoryUrl: string; Branch?: string; SecretArn?: string };
}

/** Reads and validates a `Tags` member (the simulated SageMaker's rules). */
export type TagReader = (reader: InputReader, operation: string) => unknown;

const LIFECYCLE_CONFIG_NAME = { maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9])*' };
const CODE_REPOSITORY_NAME = { minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' };
const SCRIPT_MAX_LENGTH = 16384;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LIST_SORT_KEYS = ['Name', 'CreationTime', 'LastModifiedTime'] as const;

/** DefaultCodeRepository / AdditionalCodeRepositories: a Git URL or the name of a code repository. */
export const CODE_REPOSITORY_NAME_OR_URL = {
  minLength: 1,
  maxLength: 1024,
  pattern: '^https://([^/]+)/?(.*)$|^[a-zA-Z0-9](-*[a-zA-Z0-9])*',
};

export class NotebookResources {
  private readonly lifecycleConfigs = new Map<string, LifecycleConfig>();
  private readonly codeRepositories = new Map<string, CodeRepository>();

  constructor(
    private readonly clock: SimulatedClock,
    private readonly accountId: string,
    private readonly region: string,
    private readonly readTags: TagReader,
  ) {}

  lifecycleConfigArn(name: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.accountId}:notebook-instance-lifecycle-config/${name.toLowerCase()}`;
  }

  codeRepositoryArn(name: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.accountId}:code-repository/${name.toLowerCase()}`;
  }

  lifecycleConfig(name: string): LifecycleConfig | undefined {
    return this.lifecycleConfigs.get(name.toLowerCase());
  }

  codeRepository(name: string): CodeRepository | undefined {
    return this.codeRepositories.get(name.toLowerCase());
  }

  /** Puts a lifecycle configuration in place, scripts given as plain text (encoded here). */
  seedLifecycleConfig(options: {
    readonly name: string;
    readonly onCreate?: string;
    readonly onStart?: string;
  }): string {
    const encode = (script: string | undefined) =>
      script === undefined ? [] : [Buffer.from(script, 'utf8').toString('base64')];
    const nowMs = this.clock.nowMs();
    const config: LifecycleConfig = {
      name: options.name,
      arn: this.lifecycleConfigArn(options.name),
      onCreate: encode(options.onCreate),
      onStart: encode(options.onStart),
      creationMs: nowMs,
      lastModifiedMs: nowMs,
    };
    this.lifecycleConfigs.set(options.name.toLowerCase(), config);
    return config.arn;
  }

  seedCodeRepository(options: {
    readonly name: string;
    readonly repositoryUrl: string;
    readonly branch?: string;
    readonly secretArn?: string;
  }): string {
    const nowMs = this.clock.nowMs();
    const repository: CodeRepository = {
      name: options.name,
      arn: this.codeRepositoryArn(options.name),
      gitConfig: {
        RepositoryUrl: options.repositoryUrl,
        ...(options.branch === undefined ? {} : { Branch: options.branch }),
        ...(options.secretArn === undefined ? {} : { SecretArn: options.secretArn }),
      },
      creationMs: nowMs,
      lastModifiedMs: nowMs,
    };
    this.codeRepositories.set(options.name.toLowerCase(), repository);
    return repository.arn;
  }

  /** A notebook's LifecycleConfigName must name an existing configuration. */
  requireLifecycleConfig(name: string, operation: string): LifecycleConfig {
    const config = this.lifecycleConfig(name);
    if (config === undefined) {
      throw this.lifecycleConfigNotFound(name, operation);
    }
    return config;
  }

  /** A notebook's code repository is a Git URL, or the name of a code repository of the account. */
  requireCodeRepository(nameOrUrl: string, operation: string): void {
    if (nameOrUrl.startsWith('https://') || this.codeRepository(nameOrUrl) !== undefined) {
      return;
    }
    // Wording invented: AWS does not document this message.
    throw validationError(
      { service: 'SageMaker', operation },
      `Cannot find CodeRepository with name ${nameOrUrl}. Specify a Git repository URL or the name of a ` +
        'code repository in this account and Region.',
    );
  }

  createNotebookInstanceLifecycleConfig(input: unknown): { NotebookInstanceLifecycleConfigArn: string } {
    const operation = 'CreateNotebookInstanceLifecycleConfig';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['NotebookInstanceLifecycleConfigName', 'OnCreate', 'OnStart', 'Tags']);
    const name = reader.requiredString('NotebookInstanceLifecycleConfigName', LIFECYCLE_CONFIG_NAME);
    const onCreate = this.readHooks(reader, 'OnCreate', operation) ?? [];
    const onStart = this.readHooks(reader, 'OnStart', operation) ?? [];
    this.readTags(reader, operation);
    const existing = this.lifecycleConfig(name);
    if (existing !== undefined) {
      // Wording invented.
      throw validationError(
        { service: 'SageMaker', operation },
        `Unable to create Notebook Instance Lifecycle Config '${existing.arn}': it already exists.`,
      );
    }
    const nowMs = this.clock.nowMs();
    const config: LifecycleConfig = {
      name,
      arn: this.lifecycleConfigArn(name),
      onCreate,
      onStart,
      creationMs: nowMs,
      lastModifiedMs: nowMs,
    };
    this.lifecycleConfigs.set(name.toLowerCase(), config);
    return { NotebookInstanceLifecycleConfigArn: config.arn };
  }

  describeNotebookInstanceLifecycleConfig(input: unknown): DescribeNotebookInstanceLifecycleConfigResult {
    const operation = 'DescribeNotebookInstanceLifecycleConfig';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['NotebookInstanceLifecycleConfigName']);
    const name = reader.requiredString('NotebookInstanceLifecycleConfigName', LIFECYCLE_CONFIG_NAME);
    const config = this.requireLifecycleConfig(name, operation);
    const result: DescribeNotebookInstanceLifecycleConfigResult = {
      NotebookInstanceLifecycleConfigArn: config.arn,
      NotebookInstanceLifecycleConfigName: config.name,
      CreationTime: new Date(config.creationMs),
      LastModifiedTime: new Date(config.lastModifiedMs),
    };
    if (config.onCreate.length > 0) result.OnCreate = config.onCreate.map((Content) => ({ Content }));
    if (config.onStart.length > 0) result.OnStart = config.onStart.map((Content) => ({ Content }));
    return result;
  }

  /** A hook given replaces that hook (`[]` removes it); a hook left out is kept (not confirmed). */
  updateNotebookInstanceLifecycleConfig(input: unknown): Record<string, never> {
    const operation = 'UpdateNotebookInstanceLifecycleConfig';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['NotebookInstanceLifecycleConfigName', 'OnCreate', 'OnStart']);
    const name = reader.requiredString('NotebookInstanceLifecycleConfigName', LIFECYCLE_CONFIG_NAME);
    const onCreate = this.readHooks(reader, 'OnCreate', operation);
    const onStart = this.readHooks(reader, 'OnStart', operation);
    const config = this.requireLifecycleConfig(name, operation);
    this.lifecycleConfigs.set(name.toLowerCase(), {
      ...config,
      onCreate: onCreate ?? config.onCreate,
      onStart: onStart ?? config.onStart,
      lastModifiedMs: this.clock.nowMs(),
    });
    return {};
  }

  /**
   * The API reference declares no error for deleting a configuration that notebooks still use, so it is
   * allowed; those notebooks keep the name and start without running any script (not confirmed).
   */
  deleteNotebookInstanceLifecycleConfig(input: unknown): Record<string, never> {
    const operation = 'DeleteNotebookInstanceLifecycleConfig';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['NotebookInstanceLifecycleConfigName']);
    const name = reader.requiredString('NotebookInstanceLifecycleConfigName', LIFECYCLE_CONFIG_NAME);
    this.requireLifecycleConfig(name, operation);
    this.lifecycleConfigs.delete(name.toLowerCase());
    return {};
  }

  listNotebookInstanceLifecycleConfigs(input: unknown): {
    NotebookInstanceLifecycleConfigs: {
      NotebookInstanceLifecycleConfigName: string;
      NotebookInstanceLifecycleConfigArn: string;
      CreationTime: Date;
      LastModifiedTime: Date;
    }[];
    NextToken?: string;
  } {
    const operation = 'ListNotebookInstanceLifecycleConfigs';
    const reader = this.reader(input, operation);
    const timeFilters = [
      'CreationTimeBefore',
      'CreationTimeAfter',
      'LastModifiedTimeBefore',
      'LastModifiedTimeAfter',
    ];
    if (timeFilters.some((member) => reader.has(member))) {
      throw new Error(`SimulatedSageMaker ${operation}: the time filters are not simulated`);
    }
    reader.rejectUnknown(['NextToken', 'MaxResults', 'SortBy', 'SortOrder', 'NameContains', ...timeFilters]);
    const maxResults = reader.optionalInteger('MaxResults', { min: 1, max: 100 }) ?? 10;
    const sortBy = reader.optionalString('SortBy', { allowed: LIST_SORT_KEYS }) ?? 'CreationTime';
    const sortOrder =
      reader.optionalString('SortOrder', { allowed: ['Ascending', 'Descending'] }) ?? 'Descending';
    const nameContains = reader.optionalString('NameContains', { maxLength: 63, pattern: '[a-zA-Z0-9-]+' });
    const nextToken = reader.optionalString('NextToken', { maxLength: 8192 });
    const offset = nextToken === undefined ? 0 : this.decodeToken(nextToken, operation);
    const direction = sortOrder === 'Ascending' ? 1 : -1;
    const sorted = [...this.lifecycleConfigs.values()]
      .filter(
        (config) =>
          nameContains === undefined || config.name.toLowerCase().includes(nameContains.toLowerCase()),
      )
      .sort((a, b) => {
        const byKey =
          sortBy === 'Name'
            ? a.name.localeCompare(b.name)
            : sortBy === 'CreationTime'
              ? a.creationMs - b.creationMs
              : a.lastModifiedMs - b.lastModifiedMs;
        return direction * (byKey === 0 ? a.name.localeCompare(b.name) : byKey);
      });
    const page = sorted.slice(offset, offset + maxResults).map((config) => ({
      NotebookInstanceLifecycleConfigName: config.name,
      NotebookInstanceLifecycleConfigArn: config.arn,
      CreationTime: new Date(config.creationMs),
      LastModifiedTime: new Date(config.lastModifiedMs),
    }));
    const end = offset + page.length;
    return end < sorted.length
      ? { NotebookInstanceLifecycleConfigs: page, NextToken: this.encodeToken(end) }
      : { NotebookInstanceLifecycleConfigs: page };
  }

  createCodeRepository(input: unknown): { CodeRepositoryArn: string } {
    const operation = 'CreateCodeRepository';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['CodeRepositoryName', 'GitConfig', 'Tags']);
    const name = reader.requiredString('CodeRepositoryName', CODE_REPOSITORY_NAME);
    const gitConfig = reader.optionalRecord('GitConfig');
    if (gitConfig === undefined) {
      throw validationError(
        { service: 'SageMaker', operation },
        constraintMessage(undefined, 'GitConfig', 'Member must not be null'),
      );
    }
    const git = InputReader.of(gitConfig, (message) =>
      validationError(
        { service: 'SageMaker', operation },
        message.replace(/ at '([^']+)'/, " at 'gitConfig.$1'"),
      ),
    );
    git.rejectUnknown(['RepositoryUrl', 'Branch', 'SecretArn']);
    const repositoryUrl = git.requiredString('RepositoryUrl', {
      minLength: 11,
      maxLength: 1024,
      pattern: 'https://([^/]+)/?.{3,1016}',
    });
    const branch = git.optionalString('Branch', { minLength: 1, maxLength: 1024, pattern: '[^ ~^:?*\\[]+' });
    const secretArn = git.optionalString('SecretArn', {
      minLength: 1,
      maxLength: 2048,
      pattern: 'arn:aws[a-z\\-]*:secretsmanager:[a-z0-9\\-]*:[0-9]{12}:secret:.*',
    });
    this.readTags(reader, operation);
    const existing = this.codeRepository(name);
    if (existing !== undefined) {
      // Wording invented.
      throw validationError(
        { service: 'SageMaker', operation },
        `Cannot create a duplicate CodeRepository (${existing.arn})`,
      );
    }
    const nowMs = this.clock.nowMs();
    const repository: CodeRepository = {
      name,
      arn: this.codeRepositoryArn(name),
      gitConfig: {
        RepositoryUrl: repositoryUrl,
        ...(branch === undefined ? {} : { Branch: branch }),
        ...(secretArn === undefined ? {} : { SecretArn: secretArn }),
      },
      creationMs: nowMs,
      lastModifiedMs: nowMs,
    };
    this.codeRepositories.set(name.toLowerCase(), repository);
    return { CodeRepositoryArn: repository.arn };
  }

  describeCodeRepository(input: unknown): DescribeCodeRepositoryResult {
    const operation = 'DescribeCodeRepository';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['CodeRepositoryName']);
    const name = reader.requiredString('CodeRepositoryName', CODE_REPOSITORY_NAME);
    const repository = this.requireRepository(name, operation);
    return {
      CodeRepositoryName: repository.name,
      CodeRepositoryArn: repository.arn,
      CreationTime: new Date(repository.creationMs),
      LastModifiedTime: new Date(repository.lastModifiedMs),
      GitConfig: { ...repository.gitConfig },
    };
  }

  deleteCodeRepository(input: unknown): Record<string, never> {
    const operation = 'DeleteCodeRepository';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['CodeRepositoryName']);
    const name = reader.requiredString('CodeRepositoryName', CODE_REPOSITORY_NAME);
    this.requireRepository(name, operation);
    this.codeRepositories.delete(name.toLowerCase());
    return {};
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      CreateNotebookInstanceLifecycleConfig: (input) => this.createNotebookInstanceLifecycleConfig(input),
      DescribeNotebookInstanceLifecycleConfig: (input) => this.describeNotebookInstanceLifecycleConfig(input),
      UpdateNotebookInstanceLifecycleConfig: (input) => this.updateNotebookInstanceLifecycleConfig(input),
      DeleteNotebookInstanceLifecycleConfig: (input) => this.deleteNotebookInstanceLifecycleConfig(input),
      ListNotebookInstanceLifecycleConfigs: (input) => this.listNotebookInstanceLifecycleConfigs(input),
      CreateCodeRepository: (input) => this.createCodeRepository(input),
      DescribeCodeRepository: (input) => this.describeCodeRepository(input),
      DeleteCodeRepository: (input) => this.deleteCodeRepository(input),
    };
  }

  private requireRepository(name: string, operation: string): CodeRepository {
    const repository = this.codeRepository(name);
    if (repository === undefined) {
      // Wording invented.
      throw validationError(
        { service: 'SageMaker', operation },
        `Cannot find CodeRepository with name ${name}.`,
      );
    }
    return repository;
  }

  private lifecycleConfigNotFound(name: string, operation: string): AwsServiceError {
    // Wording not confirmed: AWS does not document it.
    return validationError(
      { service: 'SageMaker', operation },
      `Unable to describe Notebook Instance Lifecycle Config '${this.lifecycleConfigArn(name)}'. ` +
        '(Reason: RecordNotFound)',
    );
  }

  /** OnCreate / OnStart: at most one `{Content}`, base64, 1 to 16384 characters. */
  private readHooks(
    reader: InputReader,
    member: 'OnCreate' | 'OnStart',
    operation: string,
  ): string[] | undefined {
    const list = reader.optionalList(member);
    if (list === undefined) {
      return undefined;
    }
    const fail = (message: string) => validationError({ service: 'SageMaker', operation }, message);
    const path = memberPath(member);
    if (list.length > 1) {
      throw fail(
        constraintMessage(
          `[${list.length} hooks]`,
          member,
          'Member must have length less than or equal to 1',
        ),
      );
    }
    return list.map((item, index) => {
      if (!isRecord(item)) {
        throw fail(
          constraintMessage(JSON.stringify(item), member, 'Member must be a NotebookInstanceLifecycleHook'),
        );
      }
      const hook = InputReader.of(item, (message) =>
        fail(message.replace(/ at '([^']+)'/, ` at '${path}.${index + 1}.member.$1'`)),
      );
      hook.rejectUnknown(['Content']);
      const content = hook.requiredString('Content', {
        minLength: 1,
        maxLength: SCRIPT_MAX_LENGTH,
        pattern: '[\\S\\s]+',
      });
      if (!BASE64.test(content)) {
        // Wording invented: AWS documents Content as base64 but not the error for anything else.
        throw fail(`The ${member} script of a lifecycle configuration must be base64-encoded.`);
      }
      return content;
    });
  }

  private reader(input: unknown, operation: string): InputReader {
    return sageMakerInputReader(input, operation);
  }

  private encodeToken(offset: number): string {
    return Buffer.from(JSON.stringify({ lifecycleConfigs: offset }), 'utf8').toString('base64');
  }

  private decodeToken(token: string, operation: string): number {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      if (isRecord(decoded) && typeof decoded.lifecycleConfigs === 'number') {
        return decoded.lifecycleConfigs;
      }
    } catch {
      // Falls through to the error below.
    }
    throw validationError({ service: 'SageMaker', operation }, 'Invalid pagination token');
  }
}

/** SageMaker's request reader: ValidationException for a bad value, SerializationException for a bad type. */
export function sageMakerInputReader(input: unknown, operation: string): InputReader {
  const context = { service: 'SageMaker' as const, operation };
  return InputReader.of(
    input,
    (message) => validationError(context, message),
    (message) => serializationError(context, message),
  );
}
