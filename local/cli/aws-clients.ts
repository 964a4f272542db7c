/**
 * The AWS SDK clients `--stack` needs: CloudFormation (DescribeStacks, to find the stack's outputs) and
 * Lambda (Invoke, to send through the sender function). Imported when a command first needs them, so a
 * command against `npm start` never pays for loading them.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface ClientConfig {
  region?: string;
  profile?: string;
  credentials: AwsCredentialIdentityProvider;
}

export interface StackOutput {
  OutputKey?: string;
  OutputValue?: string;
}

export interface InvokeOutput {
  StatusCode?: number;
  FunctionError?: string;
  Payload?: Uint8Array;
}

export async function cloudFormation(config: ClientConfig) {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(config);
  return {
    client,
    async describeStackOutputs(stackName: string): Promise<StackOutput[]> {
      const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      return answer.Stacks?.[0]?.Outputs ?? [];
    },
  };
}

export async function lambda(config: ClientConfig) {
  const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient(config);
  return {
    client,
    invoke: async (functionName: string, payload: Uint8Array): Promise<InvokeOutput> =>
      client.send(new InvokeCommand({ FunctionName: functionName, Payload: payload })),
  };
}

/** Athena through the same calls the anomaly-check Lambda makes (lambda/adapters/secondary/athena-client.ts). */
export async function athena(config: ClientConfig) {
  const [{ AthenaClient }, { sdkAthenaQueries }] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('../../lambda/adapters/secondary/athena-client'),
  ]);
  const client = new AthenaClient(config);
  return { client, ...sdkAthenaQueries(client) };
}
