/** The sender Lambda's two ways in (a direct invocation, the SQS send queue) around the send use case. */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DEFERRED_RECORD_KEY, deferredObservationOf, isDeferredRecord } from '../../domain/deferred-record';
import type { Log } from '../../use-cases/ports';
import type { Sender } from '../../use-cases/send';
import { isSendFailure, type SendResult } from '../../use-cases/send-results';

export type SenderEvent = SQSEvent | Record<string, unknown>;
export type SenderResponse = SendResult | SQSBatchResponse;

export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

/**
 * One handler for both sources:
 * - a direct invocation's payload is a send request; the answer is `SendResult` (never a thrown error);
 * - an SQS event: each record's body is a JSON send request. A record whose error is `retryable` is
 *   reported in `batchItemFailures` (SQS redelivers it, then dead-letters it); a record that can never
 *   succeed (invalid, rejected by Twilio, key conflict) is logged and removed from the queue.
 *   A record `{"recordAfterSend": ...}` is the sender's own outbox (adapters/secondary/send-queue-outbox.ts): the
 *   record of a sent message is written, and stays on the queue while the store cannot take it.
 */
export function createSenderHandler(deps: { sender: Sender; logger: Log }) {
  const { sender, logger } = deps;
  const processor = new BatchProcessor(EventType.SQS, { logger: { ...logger, debug: () => undefined } });

  const handleRecord = async (record: SQSRecord): Promise<SendResult> => {
    let payload: unknown;
    try {
      payload = JSON.parse(record.body);
    } catch {
      logger.error('send request dropped: SQS message body is not JSON', { messageId: record.messageId });
      return {
        error: { type: 'ValidationError', field: 'request', message: 'body is not JSON', retryable: false },
      };
    }
    if (isDeferredRecord(payload)) return recordDeferred(record, payload);
    const result = await sender.send(payload);
    if (!isSendFailure(result)) return result;
    const { error } = result;
    if (error.retryable) {
      // Reported as a batch item failure: the message stays on the queue.
      throw new Error(`${error.type}: ${error.message}`);
    }
    const details = {
      messageId: record.messageId,
      type: error.type,
      ...(error.type === 'TwilioRejected' ? { code: error.code, httpStatus: error.httpStatus } : {}),
      ...(error.type === 'ValidationError' ? { field: error.field, reason: error.message } : {}),
    };
    if (error.type === 'TwilioRejected') logger.warn('send request dropped: Twilio rejected it', details);
    else logger.error('send request dropped: it can never succeed', details);
    return result;
  };

  const recordDeferred = async (record: SQSRecord, deferred: unknown): Promise<SendResult> => {
    const parsed = deferredObservationOf(deferred);
    if (!parsed.ok) {
      logger.error('deferred record dropped: not one the sender wrote', {
        messageId: record.messageId,
        reason: parsed.reason,
      });
      return {
        error: {
          type: 'ValidationError',
          field: DEFERRED_RECORD_KEY,
          message: parsed.reason,
          retryable: false,
        },
      };
    }
    // A store error propagates: the record is a batch item failure and comes back later.
    await sender.recordDeferred(parsed.observation);
    return { messageSid: parsed.observation.messageSid, status: parsed.observation.status };
  };

  return async function handleSenderEvent(
    event: SenderEvent,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SenderResponse> {
    sender.registerLambdaContext(context);
    if (isSqsEvent(event)) {
      return processPartialResponse(event, handleRecord, processor, {
        context: context as Context,
        // Every record failing is reported record by record too: same redelivery, no stack trace.
        throwOnFullBatchFailure: false,
      });
    }
    return sender.send(event);
  };
}
