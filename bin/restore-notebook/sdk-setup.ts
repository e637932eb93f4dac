/**
 * What the command-line tools (restore-notebook, restore-resource, approvals) need of the AWS SDK before
 * their first call, without building a client: on Node.js before 22, the first client a process builds
 * makes the SDK print its Node.js version warning, which --help, an argument error and a missing
 * Region have no reason to print.
 */
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';

/**
 * The Region the SDK's clients would call, found the SDK's own way: AWS_REGION, then `region` of the
 * profile (the one given, else AWS_PROFILE, else default) in the shared config and credentials files,
 * then the instance metadata on EC2. Undefined when none of them names one.
 */
export async function configuredRegion(profile?: string): Promise<string | undefined> {
  const readRegion = loadConfig(NODE_REGION_CONFIG_OPTIONS, {
    ...NODE_REGION_CONFIG_FILE_OPTIONS,
    ...(profile === undefined ? {} : { profile }),
  });
  try {
    return await readRegion();
  } catch {
    // The SDK's last resort throws "Region is missing"; the tools say which option gives one.
    return undefined;
  }
}

/** The refusal when no Region is known, naming the option that gives one. */
export function noRegionMessage(region = '<region>', whose = ''): string {
  return `no Region: pass --region ${region}${whose ? `, ${whose}` : ''} (or set AWS_REGION)`;
}

/**
 * A client built on its first call, so that a run that stops before calling AWS builds none (and so
 * prints no SDK warning).
 */
export function builtOnFirstCall<Client extends { send: unknown }>(
  build: () => Client,
): Pick<Client, 'send'> {
  let client: { send: (...args: unknown[]) => unknown } | undefined;
  const send = (...args: unknown[]) => {
    client ??= build() as unknown as { send: (...args: unknown[]) => unknown };
    return client.send(...args);
  };
  return { send } as Pick<Client, 'send'>;
}
