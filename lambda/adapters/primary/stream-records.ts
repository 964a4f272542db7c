/**
 * A DynamoDB stream record as the publish-status-events use case takes it, for both readers of the
 * stream: the stream consumer Lambda (records in its event) and `npm start`'s consumer (records from
 * DynamoDB Local's GetRecords). The images are unmarshalled only when asked for, so a malformed record
 * throws there and only that record fails.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ChangeRecord } from '../../use-cases/ports';

/** The `dynamodb` section of a stream record: the Lambda event's and the Streams API's share it. */
export interface StreamChange {
  SequenceNumber?: string;
  OldImage?: Record<string, unknown>;
  NewImage?: Record<string, unknown>;
}

/** `fallbackId` names the record when it has no sequence number (never, from DynamoDB itself). */
export function changeRecordOf(change: StreamChange | undefined, fallbackId: string): ChangeRecord {
  return {
    id: change?.SequenceNumber ?? fallbackId,
    images: () => {
      if (!change) throw new Error('stream record without a dynamodb section');
      const image = (value: Record<string, unknown> | undefined) =>
        value ? unmarshall(value as Record<string, AttributeValue>) : undefined;
      return { before: image(change.OldImage), after: image(change.NewImage) };
    },
  };
}
