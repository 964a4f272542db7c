/**
 * `StatusTracker`: everything that keeps a durable record of each Twilio message's delivery status, as
 * one construct to drop into a CDK app.
 *
 *   Twilio --POST form + X-Twilio-Signature--> HTTP API POST /message-status --> status-callback λ --> table
 *   caller --SigV4 (AWS_IAM)-->               HTTP API GET /messages/{sid}   --> query λ           --> table
 *   your app --invoke, or SQS send queue (DLQ)--> sender λ --Twilio--> table (+ idempotency table)
 *   EventBridge schedule --> reconciler λ --pending index, Twilio fetch--> table (runs lost: DLQ)
 *   (opt-in) custom resource --> Messaging Service's Delivery Status Callback = this tracker's URL
 *   every alarm --> SNS topic (created encrypted, or yours); one CloudWatch dashboard
 *   (history) event bus --> Firehose --> Parquet in S3 (Glue table, partition projection) --> Athena workgroup
 *
 * Each part is a construct of its own under ./constructs. Every function is a TrackerFunction whose role
 * starts empty: the grants in those files are the whole of what each may do.
 */
import { Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CALLBACK_PATH,
  CALLBACK_RETRY_FRAGMENT,
  DEAD_NUMBERS_ROUTE_PATH,
  LIST_INDEX_NAMES,
  LIST_ROUTE_PATH,
  MESSAGE_ROUTE_PATH,
} from '../lambda/domain/contract';
import { historyQuerySql, NAMED_HISTORY_QUERIES } from '../lambda/domain/history/queries';
import { CallbackApi } from './constructs/callback-api';
import type { TwilioSecretRef } from './constructs/function-defaults';
import { DeadNumbersTable } from './constructs/dead-numbers-table';
import { MessagesTable } from './constructs/messages-table';
import { MessagingServiceWiring } from './constructs/messaging-service-wiring';
import { TrackerOperations } from './constructs/operations';
import { Reconciler } from './constructs/reconciler';
import { SendPipeline } from './constructs/send-pipeline';
import { StatusEvents } from './constructs/status-events';
import { StatusHistory, type HistoryNamedQuery } from './constructs/status-history';
import { ENV } from '../lambda/domain/environment';
import type { StatusTrackerProps } from './tracker-props';
import { resolveTrackerSettings, type TrackerSettings } from './tracker-settings';

/** Which status changes a rule made by `onStatusChange` matches, and where they go. */
export interface StatusChangeRuleOptions {
  /** Only these statuses (the new current status), e.g. `['failed', 'undelivered']`. */
  readonly statuses?: readonly string[];
  /** Only changes to a final status (`true`) or to a non-final one (`false`). */
  readonly final?: boolean;
  /** Where matching events go. */
  readonly target: events.IRuleTarget;
  /** The rule's description in EventBridge. */
  readonly description?: string;
}

/**
 * Durable, queryable delivery status for every Twilio message: the callback API, the messages table, the
 * sender, the reconciler, events, history and their alarms, in one construct. Props: StatusTrackerProps.
 */
export class StatusTracker extends Construct {
  /** Paste into the Messaging Service's Delivery Status Callback, or pass as StatusCallback when sending. */
  readonly callbackUrl: string;
  /** `callbackUrl` with Twilio's connection overrides: up to 5 retries on timeouts and 5xx. */
  readonly callbackUrlWithRetries: string;
  /** GET with SigV4 (execute-api) to read one message; `{messageSid}` is the placeholder. */
  readonly queryUrl: string;
  /** GET with SigV4 (AWS_IAM): the list API, `?status=failed&since=...` (docs/api.md). */
  readonly listUrl: string;
  /** The HTTP API: the callback route, and the query and list routes behind AWS_IAM. */
  readonly api: apigw.HttpApi;
  /** One item per MessageSid. */
  readonly table: dynamodb.Table;
  /** Put a JSON send request on it (SQS SendMessage) to send a message. */
  readonly sendQueue: sqs.Queue;
  /** Invoke it with a send request to send a message and get its SID back. */
  readonly senderFunction: lambda.IFunction;
  /** The secret the functions read the Twilio credentials from. */
  readonly twilioSecret: secretsmanager.ISecret;
  /** The topic every alarm notifies (`alarmTopic`, or the one created). */
  readonly alarmTopic: sns.ITopic;
  /** The CloudWatch dashboard (output `DashboardUrl` of the ready-made app). */
  readonly dashboard: TrackerOperations['dashboard'];
  /** The settings in effect, defaults applied. */
  readonly settings: TrackerSettings;

  /** Recipients whose messages fail for good (docs/api.md, "Dead numbers"). */
  readonly deadNumbersTable: dynamodb.Table;
  /** GET with SigV4 (AWS_IAM): the dead numbers; DELETE `{deadNumbersUrl}/{number}` clears one. */
  readonly deadNumbersUrl: string;

  /**
   * The parts, for users who wire to something the properties above do not expose. This one: the
   * messages table (and its indexes).
   */
  readonly messages: MessagesTable;
  /** The dead-numbers table. */
  readonly deadNumbers: DeadNumbersTable;
  /** The HTTP API and the callback and query functions. */
  readonly callbackApi: CallbackApi;
  /** The send queue, its dead-letter queue and the sender function. */
  readonly sending: SendPipeline;
  /** The scheduled reconciler and its dead-letter queue. */
  readonly reconciling: Reconciler;
  /** The metrics, alarms, alarm topic and dashboard. */
  readonly operations: TrackerOperations;
  /** Present only with `messagingServiceSid`. */
  readonly messagingService?: MessagingServiceWiring;
  /** Present unless `events: false`. */
  readonly statusEvents?: StatusEvents;
  /** Where `Message Status Changed` events go; absent with `events: false`. */
  readonly eventBus?: events.IEventBus;
  /** The history part (Firehose, Parquet in S3, Glue, Athena); absent with `history: false`. */
  readonly statusHistory?: StatusHistory;
  /** Parquet history rows under `history/dt=YYYY-MM-DD/`; absent with `history: false`. */
  readonly historyBucket?: s3.IBucket;
  /** The Glue database of the history table; absent with `history: false`. */
  readonly historyDatabaseName?: string;
  /** The Glue (and Athena) table of history rows; absent with `history: false`. */
  readonly historyTableName?: string;
  /** The Athena workgroup with the named history queries; absent with `history: false`. */
  readonly historyWorkGroupName?: string;

  constructor(scope: Construct, id: string, props: StatusTrackerProps = {}) {
    super(scope, id);
    const settings = resolveTrackerSettings(props);
    this.settings = settings;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const defaults = { logRetention: settings.logRetention, removalPolicy, tracing: settings.tracing };

    this.messages = new MessagesTable(this, 'Table', {
      removalPolicy,
      retentionDays: settings.retentionDays,
      pendingShards: settings.pendingShards,
      listIndexes: LIST_INDEX_NAMES.slice(0, settings.listIndexes),
      tagIndexKey: settings.tagIndexKey,
      stream: settings.events,
    });
    this.table = this.messages.table;
    this.deadNumbers = new DeadNumbersTable(this, 'DeadNumbers', { removalPolicy });
    this.deadNumbersTable = this.deadNumbers.table;

    const secret = props.twilioSecret ? secretRef(props.twilioSecret) : this.createSecret(removalPolicy);
    this.twilioSecret = secret.secret;

    this.callbackApi = new CallbackApi(this, 'Api', {
      ...defaults,
      messages: this.messages,
      twilioSecret: secret,
      publicBaseUrl: settings.publicBaseUrl,
      throttle: { rateLimit: settings.apiThrottleRateLimit, burstLimit: settings.apiThrottleBurstLimit },
    });
    this.api = this.callbackApi.api;
    if (settings.accountSecretPrefix !== undefined) {
      this.callbackApi.statusCallback.grantAccountSecrets(
        settings.accountSecretPrefix,
        settings.accountSecretShards,
        props.accountSecretKey,
      );
    }
    this.callbackUrl = `${settings.publicBaseUrl ?? this.api.apiEndpoint}${CALLBACK_PATH}`;
    this.callbackUrlWithRetries = `${this.callbackUrl}${CALLBACK_RETRY_FRAGMENT}`;
    this.queryUrl = `${this.api.apiEndpoint}${MESSAGE_ROUTE_PATH}`;
    this.listUrl = `${this.api.apiEndpoint}${LIST_ROUTE_PATH}`;
    this.deadNumbersUrl = `${this.api.apiEndpoint}${DEAD_NUMBERS_ROUTE_PATH}`;
    this.deadNumbers.grantRecording(this.callbackApi.statusCallback);
    this.deadNumbers.grantManage(this.callbackApi.query);

    this.sending = new SendPipeline(this, 'Sending', {
      ...defaults,
      messages: this.messages,
      twilioSecret: secret,
      statusCallbackUrl: this.callbackUrlWithRetries,
      useServiceCallback: settings.useServiceCallback,
      defaultFrom: settings.defaultFrom,
      messagingServiceSid: settings.messagingServiceSid,
      maxConcurrency: settings.senderMaxConcurrency,
    });
    this.deadNumbers
      .grantCheck(this.sending.sender)
      .addEnvironment(ENV.deadNumberPolicy, settings.deadNumberPolicy);
    this.sendQueue = this.sending.queue;
    this.senderFunction = this.sending.sender.function;

    this.reconciling = new Reconciler(this, 'Reconciler', {
      ...defaults,
      messages: this.messages,
      twilioSecret: secret,
      schedule: settings.reconcileSchedule,
      minAgeHours: settings.reconcileMinAgeHours,
      horizonHours: settings.reconcileHorizonHours,
      concurrency: settings.reconcileConcurrency,
    });
    this.deadNumbers.grantRecording(this.reconciling.reconciler);

    if (settings.messagingServiceSid) {
      this.messagingService = new MessagingServiceWiring(this, 'MessagingService', {
        ...defaults,
        twilioSecret: secret,
        messagingServiceSid: settings.messagingServiceSid,
        statusCallbackUrl: this.callbackUrlWithRetries,
        after: this.api,
      });
    }

    const prefix = namePrefix(this);
    if (settings.events) {
      this.statusEvents = new StatusEvents(this, 'Events', {
        ...defaults,
        table: this.table,
        eventBus: props.eventBus,
        namePrefix: prefix,
      });
      this.eventBus = this.statusEvents.eventBus;
    }

    this.operations = new TrackerOperations(this, 'Operations', {
      api: this.api,
      functions: {
        'status-callback': this.callbackApi.statusCallback,
        query: this.callbackApi.query,
        sender: this.sending.sender,
        reconciler: this.reconciling.reconciler,
        ...(this.messagingService ? { 'messaging-service-callback': this.messagingService.handler } : {}),
        ...(this.statusEvents ? { 'stream-consumer': this.statusEvents.consumer } : {}),
      },
      events: this.statusEvents,
      reconciler: this.reconciling.reconciler,
      reconcilerDeadLetterQueue: this.reconciling.deadLetterQueue,
      tables: { messages: this.table, idempotency: this.sending.idempotencyTable },
      pendingIndex: { table: this.table, indexName: this.messages.pendingIndexName },
      sendQueue: this.sendQueue,
      sendDeadLetterQueue: this.sending.deadLetterQueue,
      alarmTopic: props.alarmTopic,
      alarmEmail: settings.alarmEmail,
      namePrefix: prefix,
      signatureRejectionThreshold: settings.signatureRejectionThreshold,
      failureRateThreshold: settings.failureRateThreshold,
      // The anomaly check runs wherever history does (lib/constructs/history-anomalies.ts).
      deliveryRateAlarm: Boolean(settings.history && this.statusEvents),
    });
    this.alarmTopic = this.operations.topic;
    this.dashboard = this.operations.dashboard;

    if (settings.history && this.statusEvents) {
      this.statusHistory = new StatusHistory(this, 'History', {
        ...defaults,
        eventBus: this.statusEvents.eventBus,
        eventPattern: this.statusEvents.eventPattern(),
        namePrefix: prefix,
        retentionDays: settings.historyRetentionDays,
        errorRetentionDays: settings.historyErrorRetentionDays,
        bufferSeconds: settings.historyBufferSeconds,
        scanLimitBytes: settings.historyScanLimitBytes,
        namedQueries: athenaNamedQueries,
        alarmTopic: this.alarmTopic,
        dashboard: this.dashboard,
      });
      this.historyBucket = this.statusHistory.bucket;
      this.historyDatabaseName = this.statusHistory.databaseName;
      this.historyTableName = this.statusHistory.tableName;
      this.historyWorkGroupName = this.statusHistory.workGroupName;
    }
  }

  /**
   * Lets the grantee query the history with Athena: run queries (the named ones too) in the history
   * workgroup, read the Glue table and the Parquet objects, and read and write the query results.
   */
  grantReadHistory(grantee: iam.IGrantable): iam.Grant {
    if (!this.statusHistory)
      throw new Error('grantReadHistory needs history: the tracker was built with history: false');
    return this.statusHistory.grantReadHistory(grantee);
  }

  /** Lets the grantee read messages through the IAM-authorised API (execute-api:Invoke, SigV4). */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return this.callbackApi.grantQuery(grantee);
  }

  /**
   * Reacts to status changes without glue code: an EventBridge rule on the tracker's bus that sends the
   * matching `Message Status Changed` events to `target` (an SQS queue, an API destination, a function,
   * ...). With neither `statuses` nor `final`, every change matches. EventBridge does not keep order to
   * targets and delivers at least once: order by `detail.statusRank`, dedupe by `detail.eventId`.
   */
  onStatusChange(id: string, options: StatusChangeRuleOptions): events.Rule {
    if (!this.statusEvents)
      throw new Error('onStatusChange needs events: the tracker was built with events: false');
    const detail: Record<string, unknown> = {};
    if (options.statuses !== undefined) {
      if (options.statuses.length === 0)
        throw new Error('onStatusChange: statuses must name at least one status');
      detail.status = [...options.statuses];
    }
    if (options.final !== undefined) detail.final = [options.final];
    return new events.Rule(this, id, {
      eventBus: this.statusEvents.eventBus,
      description: options.description ?? 'Message status changes from the status tracker',
      eventPattern: this.statusEvents.eventPattern(Object.keys(detail).length > 0 ? detail : undefined),
      targets: [options.target],
    });
  }

  /** Lets the grantee send messages: the send queue (SendMessage) and the sender (InvokeFunction). */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return this.sending.grantSend(grantee);
  }

  /**
   * The tracker creates the container, never the value: the template holds only a non-secret note, and
   * the generated key is a throwaway that keeps the secret valid JSON. Until the operator puts the real
   * credentials in (docs/deploy.md), the callback finds no "authToken" and answers 503, logged as a
   * configuration fault, rather than 403 as if every callback were forged.
   */
  private createSecret(removalPolicy: RemovalPolicy): TwilioSecretRef {
    const created = new secretsmanager.Secret(this, 'TwilioCredentials', {
      description:
        'Twilio credentials for the status tracker: JSON {accountSid, authToken, secondaryAuthToken?, apiKeySid?, apiKeySecret?}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          setup:
            'Replace this value with {"accountSid":"AC...","authToken":"..."}; optional keys: secondaryAuthToken, apiKeySid, apiKeySecret',
        }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(created).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is a Twilio auth token, which only Twilio can issue: it is rotated in the Twilio console ' +
        'and written here by the operator (see the README on rotation). The callback accepts a ' +
        'secondaryAuthToken during the change and re-reads the secret when a signature fails, so a ' +
        'Secrets Manager rotation Lambda would have nothing to generate.',
    });
    return { secret: created, secretId: created.secretArn };
  }
}

/**
 * A secret passed in, and what the Lambdas pass to GetSecretValue: its full ARN when known, else its
 * name (a secret imported by name has only a partial ARN, which Secrets Manager may not resolve; the
 * grant covers the random suffix either way).
 */
function secretRef(secret: secretsmanager.ISecret): TwilioSecretRef {
  return { secret, secretId: secret.secretFullArn ?? secret.secretName };
}

/** Days of history each saved Athena query reads; change the `lastDays` bound in the SQL to read more. */
export const NAMED_QUERY_DAYS = 30;

/** Every named history query in the Athena dialect over `source`, the last NAMED_QUERY_DAYS days. */
function athenaNamedQueries(source: string): HistoryNamedQuery[] {
  return NAMED_HISTORY_QUERIES.map((query) => ({
    name: query.name,
    description: `${query.title}: ${query.description} (last ${NAMED_QUERY_DAYS} days)`,
    sql: historyQuerySql(query.name, 'athena', source, { lastDays: NAMED_QUERY_DAYS }),
  }));
}

/** `<stack name>-<path of the tracker in the stack>`: readable, and unique per tracker. */
function namePrefix(tracker: Construct): string {
  const stack = Stack.of(tracker);
  const relative = tracker.node.scopes.slice(stack.node.scopes.length).map((scope) => scope.node.id);
  const prefix = [stack.stackName, ...relative].join('-');
  // Alarm and dashboard names allow more, but a path can hold characters neither allows.
  return prefix.length <= 200 && /^[A-Za-z0-9_-]+$/.test(prefix)
    ? prefix
    : Names.uniqueResourceName(tracker, { maxLength: 200, separator: '-' });
}
