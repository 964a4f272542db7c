/**
 * The AWS SDK clients `--stack` needs: CloudFormation (DescribeStacks, to find the stack's outputs) and
 * Lambda (Invoke, to send through the sender function). Imported when a command first needs them, so a
 * command against `npm start` never pays for loading them.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AthenaResultPage } from '../history/athena-report';

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

export async function athena(config: ClientConfig) {
  const { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } =
    await import('@aws-sdk/client-athena');
  const client = new AthenaClient(config);
  return {
    client,
    async start(sql: string, workGroup: string, database: string): Promise<string> {
      const answer = await client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: database },
        }),
      );
      return answer.QueryExecutionId ?? '';
    },
    async state(id: string): Promise<{ state: string; reason?: string }> {
      const answer = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = answer.QueryExecution?.Status;
      return { state: status?.State ?? 'UNKNOWN', reason: status?.StateChangeReason };
    },
    async results(id: string, nextToken?: string): Promise<AthenaResultPage> {
      const answer = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken }),
      );
      const columns = (answer.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? 'varchar',
      }));
      const rows = (answer.ResultSet?.Rows ?? []).map((row) =>
        (row.Data ?? []).map((datum) => datum.VarCharValue ?? null),
      );
      return { columns, rows, nextToken: answer.NextToken };
    },
  };
}
