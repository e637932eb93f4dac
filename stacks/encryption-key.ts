/**
 * The deployment's customer managed key, and the key-policy statements of the AWS services that use
 * it on the stack's behalf: CloudWatch Logs (the encrypted log groups), CloudWatch alarm actions
 * (publishing to the encrypted alert topic) and EventBridge (sending to the encrypted finding queue
 * and dead-letter queue). Everything else that uses the key gets its grant where it is defined: the Lambda roles and
 * the state machine role through kms:ViaService, the notebook roles in NotebookBackupBucket.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export const DEFAULT_ENCRYPTION_KEY_DESCRIPTION =
  'Encrypts the SageMaker remediation alert topic, dead-letter queue, log groups, lock and approval tables, and notebook snapshots.';

/** The longest description KMS accepts (CreateKey). */
export const MAX_KEY_DESCRIPTION_LENGTH = 8192;

export interface EncryptionKeyProps {
  /**
   * What the key encrypts, as the KMS console shows it. At most 8192 characters.
   *
   * @default - the SageMaker remediation resources it encrypts (DEFAULT_ENCRYPTION_KEY_DESCRIPTION)
   */
  readonly description?: string;
}

/** A rotating, retained KMS key that CloudWatch Logs, alarm actions and EventBridge may use. */
export class EncryptionKey extends Construct {
  /**
   * Rotated yearly and retained: the log groups are retained (they are the audit trail) and stay
   * readable only with this key.
   */
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps = {}) {
    super(scope, id);
    const description = props.description ?? DEFAULT_ENCRYPTION_KEY_DESCRIPTION;
    const problems = [
      ...(description.trim().length === 0 ? ['description must not be blank: leave it out instead'] : []),
      ...(description.length > MAX_KEY_DESCRIPTION_LENGTH
        ? [
            `description has ${description.length} characters; KMS accepts at most ${MAX_KEY_DESCRIPTION_LENGTH}`,
          ]
        : []),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid EncryptionKey '${id}':\n${problems.join('\n')}`);
    }

    this.key = new Key(this, 'Key', {
      description,
      enableKeyRotation: true,
      // The log groups are retained (they are the audit trail) and stay readable only with this key.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServicesToUseKey();
  }

  /** Key policy for the services that encrypt or decrypt with the key on the stack's behalf. */
  private allowServicesToUseKey(): void {
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogsLogGroups',
        principals: [new ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // Alarm actions publish to the encrypted topic; EventBridge sends to the encrypted finding queue and
    // dead-letter queue (the Sid predates the finding queue; kept so the key policy does not churn).
    for (const [sid, service] of [
      ['AllowCloudWatchAlarmsToPublish', 'cloudwatch.amazonaws.com'],
      ['AllowEventBridgeDeadLetters', 'events.amazonaws.com'],
    ] as const) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
  }
}
