/**
 * Names of the custom CloudWatch metrics (EMF, via Powertools Metrics) and their dimensions. The
 * Lambdas emit them and the stack's dashboard and alarms read them: one list, so the two cannot drift.
 */
export const METRICS_NAMESPACE = 'TwilioStatusTracker';

export const MetricName = {
  /** Every applied status callback; dimension `status`. */
  Callbacks: 'Callbacks',
  /** Requests refused for a missing or wrong X-Twilio-Signature. */
  SignatureRejections: 'SignatureRejections',
  /** 403s for an AccountSid no secret has a token for (also counted in SignatureRejections). */
  UnknownAccounts: 'UnknownAccounts',
  /** 503s because lookups of accounts not seen yet were rate limited (a storm of forged AccountSids). */
  AccountLookupsThrottled: 'AccountLookupsThrottled',
  /**
   * Writes refused because the message is recorded under another account than the one the observation
   * is for (a callback signed with account B's token for account A's message: 403). Any is suspect.
   */
  AccountMismatch: 'AccountMismatch',
  /** Other 4xx answers (method, content type, size, fields). */
  CallbackRejections: 'CallbackRejections',
  /** Callbacks that arrived after a higher status: kept in the history, status unchanged. */
  StaleCallbacks: 'StaleCallbacks',
  /** Callbacks that taught nothing new: nothing written. */
  DuplicateCallbacks: 'DuplicateCallbacks',
  /** 503 answers: store or secret unreachable. */
  CallbacksUnavailable: 'CallbacksUnavailable',
  /** A message reached a final status; dimension `status` (delivered, read, failed, undelivered, canceled). */
  MessagesFinal: 'MessagesFinal',
  /** A message failed or was undelivered with an error code; dimension `errorCode`. */
  DeliveryErrors: 'DeliveryErrors',
  /** Milliseconds from the first `sent` to `delivered`. */
  SentToDeliveredLatency: 'SentToDeliveredLatency',
  /** Reconciler: messages polled from Twilio, messages it resolved, and messages given up on. */
  ReconcilerPolled: 'ReconcilerPolled',
  ReconcilerResolved: 'ReconcilerResolved',
  ReconcilerUnresolved: 'ReconcilerUnresolved',
  /** 1 when a run ran out of time before the index was worked through. */
  ReconcilerIncomplete: 'ReconcilerIncomplete',
  /** Sender: messages accepted by Twilio, and sends that failed permanently. */
  MessagesSent: 'MessagesSent',
  SendFailures: 'SendFailures',
  /** Sender: records that went to the outbox (the store failed after Twilio accepted), and those written from it. */
  RecordsDeferred: 'RecordsDeferred',
  DeferredRecordsWritten: 'DeferredRecordsWritten',
  /** Status-change events put on the event bus. */
  EventsPublished: 'EventsPublished',
  /** Milliseconds from the write (the stream record's creation time) to its event being accepted. */
  EventLag: 'EventLag',
  /** History: Firehose records the processor refused (not a status-change detail); they go to the error prefix. */
  HistoryRecordsRejected: 'HistoryRecordsRejected',
  /**
   * Anomaly check: the overall delivery rate (delivered over final messages, 0 to 1) of the bucket it
   * judged, and of that bucket's baseline; emitted only when both have their minimum sample.
   */
  OverallDeliveryRate: 'OverallDeliveryRate',
  OverallDeliveryRateBaseline: 'OverallDeliveryRateBaseline',
  /** Anomaly check: `Delivery Anomaly` events put on the bus. */
  DeliveryAnomalies: 'DeliveryAnomalies',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/**
 * The `serviceName` each handler gives Powertools Metrics, which becomes the `service` dimension of every
 * metric it emits; the alarms and the dashboard read metrics by these.
 */
export const METRIC_SERVICES = {
  callback: 'status-callback',
  reconciler: 'reconciler',
  sender: 'sender',
  events: 'stream-consumer',
  history: 'history-row',
  anomalies: 'anomaly-check',
} as const;
