/**
 * POST /messages for the local server: the sender use case (the same one the sender Lambda runs) behind
 * an HTTP route, with its idempotency table in the same DynamoDB. JSON in, JSON out:
 * 201 `{ messageSid, status }`, or the sender's `{ error }` with a status that says what kind it is.
 * While the store is down a send is a 503 and nothing reaches Twilio; a record the store refused after
 * Twilio accepted the message waits in the outbox file (local/record-outbox.ts) until it is written.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { decodeBody, jsonResponse, mediaType, type HttpResponse } from '../lambda/adapters/primary/http';
import type { MessageStore } from '../lambda/adapters/secondary/message-store';
import type { RecordingStore } from '../lambda/use-cases/record-observation';
import { ensureIdempotencyTable } from '../lambda/adapters/secondary/idempotency';
import { createLogger } from '../lambda/adapters/secondary/logger';
import { isSendFailure, type SendError } from '../lambda/use-cases/send-results';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { senderFunction } from '../lambda/composition/sender';
import { STORE_DEFAULTS } from '../lambda/domain/contract';
import { startFileOutbox, type FileOutbox } from './record-outbox';
import type { DeadNumberStore } from '../lambda/use-cases/ports';
import { DEFAULT_DEAD_NUMBER_POLICY, type DeadNumberPolicy } from '../lambda/domain/dead-numbers';

export interface LocalSenderOptions {
  store: RecordingStore<MessageStore>;
  /** The messages table `store` writes (only named: the sender is given the store itself). */
  tableName?: string;
  /** Dead numbers: checked before each send (refused or warned about per `deadNumberPolicy`). */
  deadNumbers?: DeadNumberStore;
  deadNumberPolicy?: DeadNumberPolicy;
  callbackUrl: string;
  dynamodbEndpoint: string;
  idempotencyTableName: string;
  /** The outbox file: records the store could not take after Twilio accepted the message. */
  outboxPath: string;
  /** How often a non-empty outbox is written to the store. Default 2 s. */
  outboxDrainEveryMs?: number;
  twilio: { accountSid: string; authToken: string; baseUrl?: string };
  /** Rely on the Messaging Service's own status callback instead of a per-message one. */
  useServiceCallback?: boolean;
  defaultFrom?: string;
  defaultMessagingServiceSid?: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

const STATUS_BY_ERROR: Record<SendError['type'], number> = {
  ValidationError: 400,
  TwilioRejected: 422,
  DeadNumber: 422,
  IdempotencyConflict: 409,
  InProgress: 409,
  TwilioUnavailable: 503,
  DependencyUnavailable: 503,
  InternalError: 500,
};

export async function createLocalSendHandler(options: LocalSenderOptions): Promise<{
  handler: (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;
  outbox: FileOutbox;
  close(): void;
}> {
  const dynamo = createDynamoClient({ endpoint: options.dynamodbEndpoint });
  await ensureIdempotencyTable(dynamo, options.idempotencyTableName);
  const logger = createLogger({ logLevel: options.logLevel ?? 'WARN' });
  const outbox = startFileOutbox({
    path: options.outboxPath,
    write: (observation) => sender.recordDeferred(observation),
    logger,
    everyMs: options.outboxDrainEveryMs,
  });
  // The sender Lambda's composition module, with the pipeline's store and an outbox file for the queue.
  const { sender } = senderFunction(
    {
      tableName: options.tableName ?? '',
      ...STORE_DEFAULTS,
      idempotencyTableName: options.idempotencyTableName,
      twilioAccountSid: options.twilio.accountSid,
      twilioAuthToken: options.twilio.authToken,
      twilioApiBaseUrl: options.twilio.baseUrl,
      defaultFrom: options.defaultFrom,
      defaultMessagingServiceSid: options.defaultMessagingServiceSid,
      // Local runs may point media at a local file server.
      allowHttpMediaUrls: true,
      // Sends through a Messaging Service rely on its callback in service mode; a bare `from` still needs ours.
      statusCallbackUrl: options.callbackUrl,
      useServiceCallback: options.useServiceCallback ?? false,
      deadNumberPolicy: options.deadNumberPolicy ?? DEFAULT_DEAD_NUMBER_POLICY,
    },
    {
      client: dynamo,
      store: options.store,
      deadNumbers: options.deadNumbers,
      outbox,
      logger,
      // No CloudWatch locally: an EMF line per 100 sends would only clutter npm start's output.
      onOutcome: () => undefined,
    },
  );

  const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    if (mediaType(event) !== 'application/json')
      return jsonResponse(415, { error: 'content type must be application/json' });
    const body = decodeBody(event);
    if (!body.ok) return jsonResponse(400, { error: body.reason });
    let request: unknown;
    try {
      request = JSON.parse(body.text);
    } catch {
      return jsonResponse(400, { error: 'body is not JSON' });
    }
    const result = await sender.send(request);
    if (isSendFailure(result)) {
      const status = STATUS_BY_ERROR[result.error.type];
      return jsonResponse(status, { error: result.error }, status === 503 ? { 'retry-after': '5' } : {});
    }
    return jsonResponse(201, { ...result });
  };
  return {
    handler,
    outbox,
    close: () => {
      outbox.stop();
      dynamo.destroy();
    },
  };
}
