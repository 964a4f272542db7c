/**
 * What watches the history path (lib/constructs/status-history.ts): six alarms on the tracker's alarm
 * topic, and a row of the dashboard. Made in the history construct's scope, so their ids are its own.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC_SERVICES, MetricName } from '../../lambda/domain/metric-names';
import { anyWaitingIn, metric, trackerAlarm } from './tracker-metrics';

/** The parts of the history path that are watched. */
export interface MonitoredHistory {
  namePrefix: string;
  alarmTopic: sns.ITopic;
  bufferSeconds: number;
  /** The Firehose delivery stream's name. */
  streamName: string;
  deadLetterQueue: sqs.IQueue;
  processor: lambda.IFunction;
}

export interface HistoryAlarms {
  readonly deliveryFailing: cloudwatch.Alarm;
  readonly conversionFailures: cloudwatch.Alarm;
  readonly processorFailing: cloudwatch.Alarm;
  readonly recordsRejected: cloudwatch.Alarm;
  readonly dataFreshness: cloudwatch.Alarm;
  readonly eventsDropped: cloudwatch.Alarm;
}

/** A Firehose metric of the delivery stream, over 5 minutes. */
function firehoseMetric(streamName: string, metricName: string, statistic: string, label?: string) {
  return new cloudwatch.Metric({
    namespace: 'AWS/Firehose',
    metricName,
    dimensionsMap: { DeliveryStreamName: streamName },
    statistic,
    period: Duration.minutes(5),
    label,
  });
}

export function createHistoryAlarms(scope: Construct, history: MonitoredHistory): HistoryAlarms {
  const notify = new cloudwatchActions.SnsAction(history.alarmTopic);
  const firehose = (metricName: string, statistic: string) =>
    firehoseMetric(history.streamName, metricName, statistic);
  const alarm = (alarmId: string, options: cloudwatch.AlarmProps) =>
    trackerAlarm(
      scope,
      alarmId,
      { alarmName: `${history.namePrefix}-History${alarmId}`, ...options, notifyOk: true },
      notify,
    );
  // Data freshness: the age of the oldest row not yet in S3. Normally at most the buffer interval
  // plus the processor's 60 s buffer; 15 minutes more means delivery is failing and being retried.
  const freshnessThreshold = history.bufferSeconds + 60 + 15 * 60;
  return {
    deliveryFailing: alarm('DeliveryFailing', {
      alarmDescription:
        'Firehose could not write history objects to S3 for 15 minutes (DeliveryToS3.Success below 1): ' +
        'it retries for 24 hours, then writes the rows under history-errors/. See the delivery log group.',
      metric: firehose('DeliveryToS3.Success', 'Average'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
    }),
    conversionFailures: alarm('ConversionFailures', {
      alarmDescription:
        'History rows failed Parquet conversion against the Glue table (FailedConversion.Records): they ' +
        'are under history-errors/format-conversion-failed/. The table and the rows disagree on a column.',
      metric: firehose('FailedConversion.Records', 'Sum'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    }),
    processorFailing: alarm('ProcessorFailing', {
      alarmDescription:
        'The history processor Lambda failed for 15 minutes (ExecuteProcessing.Success below 1): the hash ' +
        'key secret unreadable, or the function erroring. Firehose retries, then writes the records under ' +
        'history-errors/processing-failed/. See the processor logs.',
      metric: firehose('ExecuteProcessing.Success', 'Average'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
    }),
    recordsRejected: alarm('RecordsRejected', {
      alarmDescription:
        'The history processor refused records that are not status-change details (metric ' +
        'HistoryRecordsRejected): they are under history-errors/processing-failed/, and the processor ' +
        'logs name the field that was wrong.',
      metric: metric(MetricName.HistoryRecordsRejected, METRIC_SERVICES.history),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    }),
    eventsDropped: alarm('EventsDropped', {
      alarmDescription:
        'Status-change events could not be put on the history delivery stream after 24 hours of retries: ' +
        `they are in ${history.deadLetterQueue.queueName}, and missing from the history until replayed ` +
        '(the messages table still holds each message).',
      ...anyWaitingIn(history.deadLetterQueue),
    }),
    dataFreshness: alarm('DataFreshness', {
      alarmDescription:
        `The oldest history row not yet in S3 is over ${freshnessThreshold} seconds old ` +
        '(DeliveryToS3.DataFreshness) for 15 minutes: delivery is falling behind or failing.',
      metric: firehose('DeliveryToS3.DataFreshness', 'Maximum'),
      threshold: freshnessThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    }),
  };
}

/** A row of the tracker's dashboard: the history alarms, rows in and out, failures, freshness. */
export function addHistoryDashboardRow(
  dashboard: cloudwatch.Dashboard,
  history: MonitoredHistory,
  alarms: HistoryAlarms,
): void {
  const firehose = (metricName: string, statistic: string, label: string) =>
    firehoseMetric(history.streamName, metricName, statistic, label);
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'History alarms',
      width: 24,
      height: 2,
      alarms: Object.values(alarms),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'History: rows in and delivered',
      width: 8,
      height: 6,
      left: [
        firehose('IncomingRecords', 'Sum', 'Events in'),
        firehose('DeliveryToS3.Records', 'Sum', 'Rows delivered to S3'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'History: failures',
      width: 8,
      height: 6,
      left: [
        firehose('FailedConversion.Records', 'Sum', 'Parquet conversion failed'),
        metric(MetricName.HistoryRecordsRejected, METRIC_SERVICES.history, {
          label: 'Refused by the processor',
        }),
        history.processor.metricErrors({
          period: Duration.minutes(5),
          statistic: 'Sum',
          label: 'Processor errors',
        }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'History: data freshness (s)',
      width: 8,
      height: 6,
      left: [firehose('DeliveryToS3.DataFreshness', 'Maximum', 'Oldest row not yet in S3')],
    }),
  );
}
