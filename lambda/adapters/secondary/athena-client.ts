/** The Athena calls runAthenaQuery makes (athena-query.ts), over the SDK's client. */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import type { AthenaQueries } from './athena-query';

/** The Athena calls over the SDK's client (the Lambda's and the command line's). */
export function sdkAthenaQueries(client: { send: AthenaClient['send'] }): AthenaQueries {
  return {
    async start(sql, workGroup, database) {
      const answer = await client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: database },
        }),
      );
      return answer.QueryExecutionId ?? '';
    },
    async state(id) {
      const answer = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = answer.QueryExecution?.Status;
      return { state: status?.State ?? 'UNKNOWN', reason: status?.StateChangeReason };
    },
    async results(id, nextToken) {
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
