/**
 * The two AWS SDK clients `--stack` needs beyond what the project already installs:
 * @aws-sdk/client-cloudformation (DescribeStacks) and @aws-sdk/client-lambda (Invoke). They are loaded
 * here, by name, when a command first needs them, and typed by the few members the CLI uses, so the rest
 * of the project type-checks and runs whether or not they are installed, and a missing one is a
 * one-line message instead of a crash. Once both are in package.json, static imports can replace
 * `load` without touching anything outside this file.
 */
import { createRequire } from 'node:module';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Failure } from './errors';

export interface ClientConfig {
  region?: string;
  profile?: string;
  credentials: AwsCredentialIdentityProvider;
}

interface SdkClient {
  send(command: object): Promise<unknown>;
  destroy(): void;
  config: { region(): Promise<string> };
}

type ClientClass = new (config: ClientConfig) => SdkClient;
type CommandClass<I> = new (input: I) => object;

interface CloudFormationModule {
  CloudFormationClient: ClientClass;
  DescribeStacksCommand: CommandClass<{ StackName: string }>;
}

interface LambdaModule {
  LambdaClient: ClientClass;
  InvokeCommand: CommandClass<{ FunctionName: string; Payload: Uint8Array }>;
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

/** The version each client is asked for in the message when it is missing (the SDK the project uses). */
const SDK_VERSION = '3.1164.0';

/** Node's own resolution (NODE_PATH included), the way a static import of a CommonJS package loads. */
const requireModule = createRequire(__filename);

function load<T>(name: string): T {
  try {
    return requireModule(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Failure(`--stack needs the package ${name}: npm install --save-dev ${name}@${SDK_VERSION}`);
  }
}

export async function cloudFormation(config: ClientConfig) {
  const sdk = load<CloudFormationModule>('@aws-sdk/client-cloudformation');
  const client = new sdk.CloudFormationClient(config);
  return {
    client,
    async describeStackOutputs(stackName: string): Promise<StackOutput[]> {
      const answer = (await client.send(new sdk.DescribeStacksCommand({ StackName: stackName }))) as {
        Stacks?: { Outputs?: StackOutput[] }[];
      };
      return answer.Stacks?.[0]?.Outputs ?? [];
    },
  };
}

export async function lambda(config: ClientConfig) {
  const sdk = load<LambdaModule>('@aws-sdk/client-lambda');
  const client = new sdk.LambdaClient(config);
  return {
    client,
    invoke: async (functionName: string, payload: Uint8Array) =>
      (await client.send(
        new sdk.InvokeCommand({ FunctionName: functionName, Payload: payload }),
      )) as InvokeOutput,
  };
}
