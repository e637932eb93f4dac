/**
 * The simulated monitoring job definitions (simulation/account/sagemaker-monitoring-job-definitions.ts),
 * driven through SDK commands: the four types, their validation, names, immutability, the lock a
 * schedule holds on them, listing and tags.
 */
import {
  AddTagsCommand,
  CreateDataQualityJobDefinitionCommand,
  type CreateDataQualityJobDefinitionCommandInput,
  CreateModelBiasJobDefinitionCommand,
  CreateModelExplainabilityJobDefinitionCommand,
  CreateModelQualityJobDefinitionCommand,
  DeleteDataQualityJobDefinitionCommand,
  DeleteModelBiasJobDefinitionCommand,
  DeleteMonitoringScheduleCommand,
  DescribeDataQualityJobDefinitionCommand,
  DescribeModelBiasJobDefinitionCommand,
  ListDataQualityJobDefinitionsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../unit/caught-errors.js';
import {
  arnOf,
  dataQualityRequest,
  failureOf,
  givenAccount,
  HOURLY,
  ROLE,
  SECOND,
} from './sagemaker-monitoring-fixtures.js';

const CLARIFY = { ImageUri: 'clarify', ConfigUri: 's3://config/analysis.json' };
const ENDPOINT_INPUT = {
  EndpointInput: { EndpointName: 'churn-endpoint', LocalPath: '/opt/ml/processing/input' },
};
const OUTPUT = {
  MonitoringOutputs: [{ S3Output: { S3Uri: 's3://reports/x', LocalPath: '/opt/ml/processing/output' } }],
};
const RESOURCES = {
  ClusterConfig: { InstanceCount: 2, InstanceType: 'ml.m5.xlarge' as const, VolumeSizeInGB: 20 },
};

describe('Monitoring job definitions: create, describe, delete', () => {
  it('Given a data quality definition created without a NetworkConfig, When it is described, Then it has the lowercased ARN, the members as given and no NetworkConfig', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();
    const created = await sagemaker.send(
      new CreateDataQualityJobDefinitionCommand(dataQualityRequest('Churn-DQ')),
    );

    // When
    const described = await sagemaker.send(
      new DescribeDataQualityJobDefinitionCommand({ JobDefinitionName: 'churn-dq' }),
    );

    // Then
    expect(created.JobDefinitionArn).toBe(arnOf('data-quality-job-definition', 'Churn-DQ'));
    expect(described).toMatchObject({
      JobDefinitionArn: arnOf('data-quality-job-definition', 'churn-dq'),
      JobDefinitionName: 'Churn-DQ',
      DataQualityJobInput: dataQualityRequest('x').DataQualityJobInput,
      JobResources: dataQualityRequest('x').JobResources,
      RoleArn: ROLE,
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.NetworkConfig).toBeUndefined();
  });

  it('Given each of the other three types, When created with their own members and described, Then each keeps its NetworkConfig flags', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();
    const network = { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: false };
    const common = { JobResources: RESOURCES, RoleArn: ROLE, NetworkConfig: network };

    // When
    await sagemaker.send(
      new CreateModelBiasJobDefinitionCommand({
        JobDefinitionName: 'bias',
        ModelBiasAppSpecification: CLARIFY,
        ModelBiasJobInput: { ...ENDPOINT_INPUT, GroundTruthS3Input: { S3Uri: 's3://truth/bias' } },
        ModelBiasJobOutputConfig: OUTPUT,
        ...common,
      }),
    );
    await sagemaker.send(
      new CreateModelExplainabilityJobDefinitionCommand({
        JobDefinitionName: 'explain',
        ModelExplainabilityAppSpecification: CLARIFY,
        ModelExplainabilityJobInput: ENDPOINT_INPUT,
        ModelExplainabilityJobOutputConfig: OUTPUT,
        ...common,
      }),
    );
    const quality = await sagemaker.send(
      new CreateModelQualityJobDefinitionCommand({
        JobDefinitionName: 'quality',
        ModelQualityAppSpecification: { ImageUri: 'monitor', ProblemType: 'Regression' },
        ModelQualityJobInput: { ...ENDPOINT_INPUT, GroundTruthS3Input: { S3Uri: 's3://truth/quality' } },
        ModelQualityJobOutputConfig: OUTPUT,
        ...common,
      }),
    );
    const bias = await sagemaker.send(
      new DescribeModelBiasJobDefinitionCommand({ JobDefinitionName: 'bias' }),
    );

    // Then
    expect(quality.JobDefinitionArn).toBe(arnOf('model-quality-job-definition', 'quality'));
    expect(bias.NetworkConfig).toEqual(network);
    expect(bias.ModelBiasJobInput?.GroundTruthS3Input).toEqual({ S3Uri: 's3://truth/bias' });
  });

  it('Given a definition, When it is deleted, Then Describe answers ResourceNotFound, which Step Functions names SageMaker.ResourceNotFoundException', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();
    account.sagemaker.monitoring.seedJobDefinition('ModelBias', { name: 'old-bias' });

    // When
    await sagemaker.send(new DeleteModelBiasJobDefinitionCommand({ JobDefinitionName: 'old-bias' }));
    const error = await failureOf(
      sagemaker.send(new DescribeModelBiasJobDefinitionCommand({ JobDefinitionName: 'old-bias' })),
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:sagemaker:describeModelBiasJobDefinition',
        {
          JobDefinitionName: 'old-bias',
        },
      ),
    );

    // Then
    expect(error.name).toBe('ResourceNotFound');
    expect(error.message).toContain(arnOf('model-bias-job-definition', 'old-bias'));
    expect(task.name).toBe('SageMaker.ResourceNotFoundException');
  });

  it('Given the API, When an update of a job definition is asked for, Then there is no such operation: definitions are immutable', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedJobDefinition('DataQuality', { name: 'dq' });

    // When
    const attempt = account.invoke(
      'SageMaker',
      'UpdateDataQualityJobDefinition',
      { JobDefinitionName: 'dq' },
      'sdk',
    );

    // Then
    await expect(attempt).rejects.toThrow('does not simulate SageMaker UpdateDataQualityJobDefinition');
  });
});

describe('Monitoring job definitions: validation and names', () => {
  it('Given a request missing two required members and with a bad instance type, When created, Then one ValidationException lists the three violations', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();
    const { RoleArn: _role, DataQualityJobOutputConfig: _output, ...rest } = dataQualityRequest('dq');
    const request = {
      ...rest,
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.x9.huge', VolumeSizeInGB: 20 } },
    } as unknown as CreateDataQualityJobDefinitionCommandInput;

    // When
    const error = await failureOf(sagemaker.send(new CreateDataQualityJobDefinitionCommand(request)));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/^3 validation errors detected: /);
    expect(error.message).toContain(
      "Value null at 'dataQualityJobOutputConfig' failed to satisfy constraint: Member must not be null",
    );
    expect(error.message).toContain(
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
    expect(error.message).toContain("Value 'ml.x9.huge' at 'jobResources.clusterConfig.instanceType'");
  });

  it('Given malformed members, When created, Then an unknown member is a ValidationException and a wrongly typed one a SerializationException', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();
    const unknown = {
      ...dataQualityRequest('dq'),
      NetworkConfig: { EnableNetworkIsolation: true, Isolated: true },
    };
    const typed = { ...dataQualityRequest('dq'), NetworkConfig: { EnableNetworkIsolation: 'yes' } };

    // When
    const unknownError = await failureOf(
      sagemaker.send(
        new CreateDataQualityJobDefinitionCommand(unknown as CreateDataQualityJobDefinitionCommandInput),
      ),
    );
    const typeError = await failureOf(
      sagemaker.send(
        new CreateDataQualityJobDefinitionCommand(
          typed as unknown as CreateDataQualityJobDefinitionCommandInput,
        ),
      ),
    );

    // Then
    expect(unknownError.name).toBe('ValidationException');
    expect(unknownError.message).toContain('Unknown parameter in networkConfig: "Isolated"');
    expect(typeError.name).toBe('SerializationException');
  });

  it('Given a data quality definition named Shared, When a model bias definition is created as "shared", Then ResourceInUse: names are unique across the types, case-insensitively', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();
    await sagemaker.send(new CreateDataQualityJobDefinitionCommand(dataQualityRequest('Shared')));

    // When
    const error = await failureOf(
      sagemaker.send(
        new CreateModelBiasJobDefinitionCommand({
          JobDefinitionName: 'shared',
          ModelBiasAppSpecification: CLARIFY,
          ModelBiasJobInput: { ...ENDPOINT_INPUT, GroundTruthS3Input: { S3Uri: 's3://t' } },
          ModelBiasJobOutputConfig: OUTPUT,
          JobResources: RESOURCES,
          RoleArn: ROLE,
        }),
      ),
    );

    // Then
    expect(error.name).toBe('ResourceInUse');
    expect(error.message).toContain('DataQualityJobDefinition with name Shared already exists');
  });

  it('Given EC2 is modelled, When a definition names a subnet that does not exist, Then ValidationException with EC2 words', async () => {
    // Given
    const account = givenAccount();
    const vpcId = account.ec2.seedVpc();
    const groupId = account.ec2.seedSecurityGroup({ vpcId });
    const { sagemaker } = account.sdkClients();
    const network = { VpcConfig: { Subnets: ['subnet-0000000000000dead'], SecurityGroupIds: [groupId] } };

    // When
    const error = await failureOf(
      sagemaker.send(
        new CreateDataQualityJobDefinitionCommand(dataQualityRequest('dq', { NetworkConfig: network })),
      ),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe("The subnet ID 'subnet-0000000000000dead' does not exist");
  });
});

describe('Monitoring job definitions: the schedule lock, listing and tags', () => {
  it('Given a schedule naming a definition, When the definition is deleted, Then it is refused until the deleted schedule has gone', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    const { sagemaker } = account.sdkClients();
    monitoring.seedJobDefinition('DataQuality', { name: 'dq' });
    monitoring.seedMonitoringSchedule({
      name: 'nightly',
      config: { ScheduleConfig: HOURLY, MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });
    const remove = () =>
      sagemaker.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq' }));

    // When
    const whileScheduled = await failureOf(remove());
    await sagemaker.send(new DeleteMonitoringScheduleCommand({ MonitoringScheduleName: 'nightly' }));
    const whileDeleting = await failureOf(remove());
    account.clock.advance(20 * SECOND);
    await remove();

    // Then
    expect(whileScheduled.name).toBe('ValidationException');
    expect(whileScheduled.message).toContain('in use by monitoring schedule nightly');
    expect(whileDeleting.name).toBe('ValidationException');
    expect(monitoring.hasJobDefinition('DataQuality', 'dq')).toBe(false);
  });

  it('Given three definitions, When listed one per page by name for one endpoint, Then the pages follow with NextToken and the summaries carry the endpoint', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedJobDefinition('DataQuality', { name: 'b-dq', endpointName: 'churn' });
    monitoring.seedJobDefinition('DataQuality', { name: 'a-dq', endpointName: 'churn' });
    monitoring.seedJobDefinition('DataQuality', { name: 'c-dq', endpointName: 'fraud' });
    monitoring.seedJobDefinition('ModelQuality', { name: 'a-mq', endpointName: 'churn' });
    const { sagemaker } = account.sdkClients();
    const list = (NextToken?: string) =>
      sagemaker.send(
        new ListDataQualityJobDefinitionsCommand({
          EndpointName: 'churn',
          SortBy: 'Name',
          SortOrder: 'Ascending',
          MaxResults: 1,
          ...(NextToken === undefined ? {} : { NextToken }),
        }),
      );

    // When
    const first = await list();
    const second = await list(first.NextToken);

    // Then
    expect(first.JobDefinitionSummaries).toEqual([
      expect.objectContaining({ MonitoringJobDefinitionName: 'a-dq', EndpointName: 'churn' }),
    ]);
    expect(second.JobDefinitionSummaries?.map((summary) => summary.MonitoringJobDefinitionName)).toEqual([
      'b-dq',
    ]);
    expect(second.NextToken).toBeUndefined();
  });

  it('Given a definition created with Tags, When tags are added by its ARN and listed, Then both are there and aws: keys are refused', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();
    const { JobDefinitionArn } = await sagemaker.send(
      new CreateDataQualityJobDefinitionCommand(
        dataQualityRequest('dq', { Tags: [{ Key: 'team', Value: 'ml' }] }),
      ),
    );
    const ResourceArn = String(JobDefinitionArn);

    // When
    await sagemaker.send(new AddTagsCommand({ ResourceArn, Tags: [{ Key: 'owner', Value: 'sec' }] }));
    const listed = await sagemaker.send(new ListTagsCommand({ ResourceArn }));
    const reserved = await failureOf(
      sagemaker.send(new AddTagsCommand({ ResourceArn, Tags: [{ Key: 'aws:x', Value: 'y' }] })),
    );

    // Then
    expect(listed.Tags).toEqual([
      { Key: 'team', Value: 'ml' },
      { Key: 'owner', Value: 'sec' },
    ]);
    expect(reserved.name).toBe('ValidationException');
  });
});
