/**
 * What CloudFormation does with a synthesized template, as far as deploying it into the simulated
 * account needs: physical names for resources that do not name themselves, and the values of `Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Base64`, `Fn::Select` and `Fn::Split` (the intrinsics
 * CDK writes). Pure: no simulated service is touched here.
 *
 * Return values follow the CloudFormation resource reference ("Return values" of each type), e.g. a
 * Ref to an AWS::SNS::Topic is its ARN, to an AWS::SQS::Queue its URL, to an AWS::IAM::Role its name.
 */
import { createHash } from 'node:crypto';

export type TemplateValue =
  | string
  | number
  | boolean
  | null
  | TemplateValue[]
  | { [key: string]: TemplateValue };

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly Metadata?: Record<string, TemplateValue>;
  readonly DependsOn?: string | string[];
}

export interface CloudFormationTemplate {
  readonly Parameters?: Readonly<
    Record<string, { readonly Type: string; readonly Default?: string; readonly AllowedPattern?: string }>
  >;
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value: TemplateValue }>>;
}

export interface StackEnvironment {
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
}

/** What a resource answers to Ref and to Fn::GetAtt. */
export interface ResourceValues {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The name CloudFormation generates for a resource without an explicit name:
 * `<stack>-<logical id>-<random suffix>`, cut to the type's length limit. The suffix is derived from
 * the logical id, so every deployment of the same template gets the same names.
 */
export function generatedName(environment: StackEnvironment, logicalId: string, maxLength: number): string {
  // CloudFormation's suffix is random: the same stack in two Regions of one account (a StackSet's
  // instances) never shares a name, even of global IAM resources. Here it is derived from where.
  const suffix = createHash('sha256')
    .update(`${environment.accountId}/${environment.region}/${environment.stackName}/${logicalId}`)
    .digest('hex')
    .slice(0, 12)
    .toUpperCase();
  const head = `${environment.stackName}-${logicalId}`.slice(0, Math.max(1, maxLength - suffix.length - 1));
  return `${head}-${suffix}`;
}

/** A UUID-shaped id derived from the logical id (KMS key ids look like this). */
export function generatedUuid(environment: StackEnvironment, logicalId: string): string {
  const hex = createHash('sha256').update(`${environment.stackName}/${logicalId}/uuid`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const PSEUDO_PARAMETERS = (environment: StackEnvironment): Record<string, string> => ({
  'AWS::AccountId': environment.accountId,
  'AWS::Region': environment.region,
  'AWS::Partition': environment.partition,
  'AWS::URLSuffix': environment.urlSuffix,
  'AWS::StackName': environment.stackName,
  'AWS::NoValue': '',
});

/** Resolves intrinsic functions against the values of the resources deployed so far. */
export class IntrinsicResolver {
  private readonly values = new Map<string, ResourceValues>();

  constructor(private readonly environment: StackEnvironment) {}

  define(logicalId: string, values: ResourceValues): void {
    this.values.set(logicalId, values);
  }

  has(logicalId: string): boolean {
    return this.values.has(logicalId);
  }

  /** The logical ids a value refers to (Ref, GetAtt, ${...} in Fn::Sub), to order the deployment. */
  static dependencies(value: TemplateValue): string[] {
    const found = new Set<string>();
    const visit = (node: TemplateValue): void => {
      if (Array.isArray(node)) {
        node.forEach(visit);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const ref = node.Ref;
      if (typeof ref === 'string' && !ref.startsWith('AWS::')) found.add(ref);
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') found.add(getAtt[0]);
      const sub = node['Fn::Sub'];
      const subText = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
      if (typeof subText === 'string') {
        for (const match of subText.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) {
          if (match[1]) found.add(match[1]);
        }
      }
      Object.values(node).forEach(visit);
    };
    visit(value);
    return [...found];
  }

  /** The value with every intrinsic function replaced by what CloudFormation would put there. */
  resolve(value: TemplateValue): TemplateValue {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = value[key] as TemplateValue;
      switch (key) {
        case 'Ref':
          return this.ref(String(argument));
        case 'Fn::GetAtt':
          return this.getAtt(argument);
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, TemplateValue[]];
          return (this.resolve(parts) as TemplateValue[]).map(String).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(argument);
        case 'Fn::Base64':
          return Buffer.from(String(this.resolve(argument)), 'utf8').toString('base64');
        case 'Fn::Select': {
          const [index, list] = argument as [TemplateValue, TemplateValue];
          const items = this.resolve(list) as TemplateValue[];
          return items[Number(this.resolve(index))] ?? null;
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, TemplateValue];
          return String(this.resolve(text)).split(separator);
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`The simulated deployment cannot resolve ${key}`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, this.resolve(inner)]));
  }

  /** `resolve`, insisting on a string. */
  resolveString(value: TemplateValue | undefined, what: string): string {
    const resolved = value === undefined ? undefined : this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`${what} did not resolve to a string`);
    return resolved;
  }

  private ref(name: string): string {
    const pseudo = PSEUDO_PARAMETERS(this.environment)[name];
    if (pseudo !== undefined) return pseudo;
    const values = this.values.get(name);
    if (!values) throw new Error(`Ref to ${name}, which is not deployed (yet)`);
    return values.ref;
  }

  private getAtt(argument: TemplateValue): string {
    const [logicalId, attribute] = (
      typeof argument === 'string' ? argument.split(/\.(.*)/s) : (argument as string[])
    ) as [string, string];
    const values = this.values.get(logicalId);
    if (!values) throw new Error(`Fn::GetAtt of ${logicalId}, which is not deployed (yet)`);
    const found = values.attributes[attribute];
    if (found === undefined) throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not simulated`);
    return found;
  }

  private sub(argument: TemplateValue): string {
    const [text, variables] = (typeof argument === 'string' ? [argument, {}] : argument) as [
      string,
      Record<string, TemplateValue>,
    ];
    const substituted = text.replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
      if (variables[name] !== undefined) return String(this.resolve(variables[name] as TemplateValue));
      if (name.includes('.')) {
        const [logicalId, attribute] = name.split(/\.(.*)/s) as [string, string];
        return this.getAtt([logicalId, attribute]);
      }
      // A name that is neither a pseudo parameter nor a resource stays as written (IAM policy variables).
      const pseudo = PSEUDO_PARAMETERS(this.environment)[name];
      if (pseudo !== undefined) return pseudo;
      return this.values.has(name) ? this.ref(name) : whole;
    });
    // `${!Name}` is CloudFormation's escape for a literal `${Name}`.
    return substituted.replace(/\$\{!/g, '${');
  }
}
