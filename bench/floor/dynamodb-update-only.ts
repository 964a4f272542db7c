/**
 * The cold-start floor: the least a status-callback function could import, since every callback ends in
 * one UpdateItem. bench/cold-start.ts bundles it with the deployed bundles' own settings, so the gap
 * between this and the real callback is what the callback's other imports (Powertools, the signature
 * check, the secret client, its own code) cost, not a difference in bundling.
 */
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';

// Built at module scope, as the handlers build theirs, so the client's construction is in the figure.
const client = new DynamoDBClient({});

export async function handler(input: UpdateItemCommandInput) {
  return client.send(new UpdateItemCommand(input));
}
