/**
 * The member-api-call function answers as the AWS SDK integration it stands in for: the same result,
 * and errors named as Step Functions names them, so the Task's Retry and Catch match the same way. The
 * names are checked against the simulation's model of the integration, for every error the API model
 * declares for each call and for the undeclared ones every call can meet.
 */
import { describe, expect, it } from 'vitest';
import {
  integrationError,
  integrationResult,
  MEMBER_API_CALLS,
  type MemberApiCall,
} from '../../handlers/shared/member-api-calls.js';
import {
  AwsServiceError,
  DECLARED_ERRORS,
  type SimulatedService,
  toStepFunctionsError,
} from '../../simulation/account/errors.js';

const SERVICES: Record<string, SimulatedService> = {
  sagemaker: 'SageMaker',
  ec2: 'EC2',
  kms: 'KMS',
  s3: 'S3',
};

function simulated(call: MemberApiCall): { service: SimulatedService; operation: string } {
  const [service = '', action = ''] = call.split(':');
  return {
    service: SERVICES[service] as SimulatedService,
    operation: action[0]?.toUpperCase() + action.slice(1),
  };
}

// Every code any of the calls declares, so that one declared for another call only is named as undeclared.
const CODES = [
  ...new Set([
    ...MEMBER_API_CALLS.flatMap((call) => {
      const { service, operation } = simulated(call);
      return DECLARED_ERRORS[service][operation] ?? [];
    }),
    'ThrottlingException',
    'ValidationException',
    'InternalFailure',
    'AccessDeniedException',
  ]),
];

describe('member-api-call errors', () => {
  for (const call of MEMBER_API_CALLS) {
    it(`Given ${call}, When any error the simulated integration knows is raised, Then the function names it as the integration does`, () => {
      const { service, operation } = simulated(call);
      const declared = DECLARED_ERRORS[service][operation];
      expect(declared, `the simulation models ${service} ${operation}`).toBeDefined();
      for (const code of CODES) {
        const error = new AwsServiceError({ code, message: `${code} happened`, service, operation });
        expect(integrationError(call, error).name, code).toBe(
          toStepFunctionsError(error, service, operation).name,
        );
      }
    });
  }

  it('Given an error SageMaker does not declare for the call, Then its code stays in the cause, not in the name', () => {
    const error = new AwsServiceError({
      code: 'ValidationException',
      message: 'RecordNotFound',
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
    });

    const converted = integrationError('sagemaker:describeNotebookInstance', error);

    expect(converted.name).toBe('SageMaker.SageMakerException');
    expect(converted.message).toBe('RecordNotFound (Service: SageMaker, Error Code: ValidationException)');
  });

  it('Given a declared KMS error with an acronym, Then it is written as Step Functions writes it', () => {
    const error = new AwsServiceError({
      code: 'KMSInternalException',
      message: 'internal',
      service: 'KMS',
      operation: 'DescribeKey',
    });

    expect(integrationError('kms:describeKey', error).name).toBe('Kms.KmsInternalException');
  });
});

describe('member-api-call results', () => {
  it('Given an SDK response, Then the result is its fields without the SDK metadata, dates as text', async () => {
    const result = await integrationResult({
      $metadata: { httpStatusCode: 200, requestId: 'r-1' },
      NotebookInstanceStatus: 'InService',
      CreationTime: new Date('2026-12-01T10:00:00Z'),
    });

    expect(result).toEqual({ NotebookInstanceStatus: 'InService', CreationTime: '2026-12-01T10:00:00.000Z' });
  });
});

describe('member-api-call object bodies', () => {
  it('Given a GetObject response with a streamed body, Then the body is returned as text, as Step Functions returns it', async () => {
    const result = await integrationResult({
      $metadata: {},
      ContentLength: 2,
      Body: { transformToString: async () => 'ok' },
    });

    expect(result).toEqual({ ContentLength: 2, Body: 'ok' });
  });
});
