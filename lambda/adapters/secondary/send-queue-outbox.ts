/**
 * The Lambda sender's outbox: the send queue itself. A record the store refused after Twilio accepted
 * the message goes back on the queue as `{"recordAfterSend": ...}`; the sender writes it when it comes
 * round (adapters/primary/sender-events.ts), SQS redelivers it while the store is still down, and after the
 * queue's receive limit it waits in the dead-letter queue (alarmed) to be redriven.
 *
 * The SQS client is loaded on first use: a sender that never needs its outbox never pays for it at a
 * cold start.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { deferredRecordBody } from '../../domain/deferred-record';
import type { RecordOutbox } from '../../use-cases/ports';

export function sendQueueOutbox(queueUrl: string): RecordOutbox {
  let client: SQSClient | undefined;
  return {
    async put(observation) {
      const sqs = await import('@aws-sdk/client-sqs');
      client ??= new sqs.SQSClient({});
      await client.send(
        new sqs.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: deferredRecordBody(observation) }),
      );
    },
  };
}
