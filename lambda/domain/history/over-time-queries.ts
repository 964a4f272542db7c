/**
 * The named history queries in buckets of time (hours or days: the window's granularity): delivery rate
 * by country, sender, Messaging Service, channel and tag, error codes, and latency.
 */
import {
  CHANNEL_OF_MESSAGE,
  OUTCOMES,
  SENT_AND_DELIVERED,
  breakdownOverTime,
  bucketOf,
  sentToDeliveredPercentiles,
  type QueryDefinition,
} from './sql-parts';
import { ROW_TIME } from './window';

export const OVER_TIME_QUERIES: readonly QueryDefinition[] = [
  {
    name: 'delivery-rate-by-country-over-time',
    title: 'Delivery rate by destination country over time',
    description:
      'Per hour or day (the granularity) and per country calling code of To: messages first seen in the bucket, and how many ended delivered, failed or neither.',
    body: (d, bucketMs) => breakdownOverTime(d, bucketMs, [['to_country', 'max(to_country)']]),
  },
  {
    name: 'delivery-rate-by-sender-over-time',
    title: 'Delivery rate by sender over time',
    description:
      'Per hour or day and per sender (keyed hash of From, its country calling code): messages first seen in the bucket, by how they ended.',
    body: (d, bucketMs) =>
      breakdownOverTime(d, bucketMs, [
        ['from_hash', 'max(from_hash)'],
        ['from_country', 'max(from_country)'],
      ]),
  },
  {
    name: 'delivery-rate-by-messaging-service-over-time',
    title: 'Delivery rate by Messaging Service over time',
    description:
      'Per hour or day and per Messaging Service SID (null: sent from a number): messages first seen in the bucket, by how they ended.',
    body: (d, bucketMs) =>
      breakdownOverTime(d, bucketMs, [['messaging_service_sid', 'max(messaging_service_sid)']]),
  },
  {
    name: 'delivery-rate-by-channel-over-time',
    title: 'Delivery rate by channel over time',
    description:
      "Per hour or day and per channel (sms, mms, whatsapp, rcs, ...: the callbacks' ChannelPrefix, else mms for a MM... SID, else sms): messages first seen in the bucket, by how they ended.",
    body: (d, bucketMs) => breakdownOverTime(d, bucketMs, [['channel', CHANNEL_OF_MESSAGE]]),
  },
  {
    name: 'delivery-rate-by-tag-over-time',
    title: 'Delivery rate by tag over time',
    description:
      'Per hour or day and per tag key and value: messages carrying it first seen in the bucket, by how they ended (a message counts once per tag).',
    body: (d, bucketMs) => `WITH r AS (
  ${d.tagRows(`message_sid, status_rank, ${ROW_TIME} AS row_ms`)}
),
m AS (
  SELECT tag_key, tag_value, message_sid, max(status_rank) AS top_rank, ${bucketOf('min(row_ms)', bucketMs)} AS bucket_number
  FROM r
  GROUP BY tag_key, tag_value, message_sid
)
SELECT ${d.timeOfMs(`bucket_number * ${bucketMs}`)} AS bucket, tag_key, tag_value, ${OUTCOMES}
FROM m
GROUP BY bucket_number, tag_key, tag_value
ORDER BY bucket_number, messages DESC, tag_key, tag_value`,
  },
  {
    name: 'error-codes-over-time',
    title: 'Error codes over time',
    description:
      'Per hour or day and per Twilio error code: messages that first carried it in the bucket (a message counts once per code).',
    body: (d, bucketMs) => `WITH e AS (
  SELECT error_code, message_sid, ${bucketOf(`min(${ROW_TIME})`, bucketMs)} AS bucket_number
  FROM w
  WHERE error_code IS NOT NULL
  GROUP BY error_code, message_sid
)
SELECT ${d.timeOfMs(`bucket_number * ${bucketMs}`)} AS bucket, error_code, count(*) AS messages
FROM e
GROUP BY bucket_number, error_code
ORDER BY bucket_number, messages DESC, error_code`,
  },
  {
    name: 'delivery-latency-over-time',
    title: 'Time from sent to delivered over time',
    description:
      "Per hour or day of sent: percentiles of delivered minus sent (ms), over messages with both in the window; statuses learnt by polling are left out (their time is the poll's).",
    body: (d, bucketMs) => `${SENT_AND_DELIVERED}
SELECT ${d.timeOfMs(`${bucketOf('sent_ms', bucketMs)} * ${bucketMs}`)} AS bucket,
  ${sentToDeliveredPercentiles(d)}
  count(*) AS messages
FROM l
WHERE sent_ms IS NOT NULL AND delivered_ms IS NOT NULL
GROUP BY ${bucketOf('sent_ms', bucketMs)}
ORDER BY ${bucketOf('sent_ms', bucketMs)}`,
  },
];
