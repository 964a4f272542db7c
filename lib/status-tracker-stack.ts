/**
 * The deployed tracker:
 *
 *   Twilio --POST form + X-Twilio-Signature--> HTTP API POST /message-status --> status-callback λ --> table
 *   caller --SigV4 (AWS_IAM)-->               HTTP API GET /messages/{sid}   --> query λ           --> table
 *   your app --invoke, or SQS send queue (DLQ)--> sender λ --Twilio--> table (+ idempotency table)
 *   EventBridge schedule --> reconciler λ --pending index, Twilio fetch--> table
 *   (opt-in) custom resource --> Messaging Service's Delivery Status Callback = this stack's URL
 *   every alarm --> encrypted SNS topic (optional e-mail); one CloudWatch dashboard
 *
 * Stateful resources (tables, secret, logs) are retained unless the stage is `dev`. Every function is a
 * TrackerFunction with a role of its own that starts empty: grants below are the whole of what each may do.
 */
import {
  Aws,
  CfnOutput,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { RECONCILER_TIMEOUT_MINUTES, type TrackerConfig } from './config';
import { TrackerOperations } from './constructs/operations';
import { TrackerFunction, type TrackerFunctionProps } from './constructs/tracker-function';
import {
  CALLBACK_PATH,
  MESSAGE_ROUTE_PATH,
  IDEMPOTENCY_TABLE,
  MESSAGES_TABLE,
} from '../lambda/domain/contract';
import { CALLBACK_RETRY_FRAGMENT } from '../lambda/domain/callback';

export { CALLBACK_RETRY_FRAGMENT };

export interface StatusTrackerStackProps extends StackProps {
  readonly config: TrackerConfig;
}

export { CALLBACK_PATH };

/** The sender's timeout: a send is one Twilio create (up to 4 attempts with backoff) and one write. */
export const SENDER_TIMEOUT = Duration.seconds(30);

/**
 * Deliveries of one send request before it is dead-lettered. A retryable failure (Twilio 429/5xx, the
 * store unreachable) is retried inside the invocation first, so five receives span several minutes.
 */
export const SEND_MAX_RECEIVE_COUNT = 5;

export class StatusTrackerStack extends Stack {
  readonly table: dynamodb.Table;
  readonly twilioSecret: secretsmanager.ISecret;
  readonly api: apigw.HttpApi;
  readonly statusCallback: TrackerFunction;
  readonly query: TrackerFunction;
  readonly idempotencyTable: dynamodb.Table;
  readonly sender: TrackerFunction;
  readonly sendQueue: sqs.Queue;
  readonly sendDeadLetterQueue: sqs.Queue;
  readonly reconciler: TrackerFunction;
  readonly reconcileSchedule: events.Rule;
  /** Present only with context `messagingServiceSid`. */
  readonly messagingServiceCallback?: {
    readonly handler: TrackerFunction;
    readonly provider: cr.Provider;
    readonly resource: CustomResource;
  };
  readonly operations: TrackerOperations;
  private readonly config: TrackerConfig;
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: StatusTrackerStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    this.removalPolicy = config.stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    // dynamodb.Table (AWS::DynamoDB::Table) rather than TableV2 (AWS::DynamoDB::GlobalTable): one region
    // is all this needs, the resource maps one-to-one to the CreateTable that local mode issues from the
    // same definition, and cdk-nag's PITR rule (DDB3) checks this resource type.
    this.table = new dynamodb.Table(this, 'Messages', {
      partitionKey: { name: MESSAGES_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: MESSAGES_TABLE.ttlAttribute,
      deletionProtection: config.stage !== 'dev',
      removalPolicy: this.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: MESSAGES_TABLE.pendingIndex.name,
      partitionKey: { name: MESSAGES_TABLE.pendingIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MESSAGES_TABLE.pendingIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    const secret = this.createOrImportSecret();
    this.twilioSecret = secret.secret;

    this.statusCallback = this.trackerFunction('StatusCallback', {
      bundle: 'status-callback',
      description: 'Records Twilio message status callbacks (POST /message-status)',
      environment: config.publicBaseUrl ? { PUBLIC_BASE_URL: config.publicBaseUrl } : {},
    })
      .grantTable(this.table, ['dynamodb:UpdateItem'])
      .grantSecretRead(this.twilioSecret, secret.secretId);
    this.addStoreEnvironment(this.statusCallback);

    this.query = this.trackerFunction('Query', {
      bundle: 'query',
      description: 'Returns the tracked status of one message (GET /messages/{messageSid})',
    }).grantTable(this.table, ['dynamodb:GetItem']);

    this.api = this.createApi();
    const callbackUrl = `${config.publicBaseUrl ?? this.api.apiEndpoint}${CALLBACK_PATH}`;
    const callbackUrlWithRetries = `${callbackUrl}${CALLBACK_RETRY_FRAGMENT}`;

    this.idempotencyTable = this.createIdempotencyTable();
    const sending = this.createSender(secret, callbackUrlWithRetries);
    this.sender = sending.sender;
    this.sendQueue = sending.queue;
    this.sendDeadLetterQueue = sending.deadLetterQueue;

    const reconciling = this.createReconciler(secret);
    this.reconciler = reconciling.reconciler;
    this.reconcileSchedule = reconciling.schedule;

    if (config.messagingServiceSid) {
      this.messagingServiceCallback = this.wireMessagingService(
        secret,
        config.messagingServiceSid,
        callbackUrlWithRetries,
      );
    }

    this.operations = new TrackerOperations(this, 'Operations', {
      api: this.api,
      functions: {
        'status-callback': this.statusCallback,
        query: this.query,
        sender: this.sender,
        reconciler: this.reconciler,
        ...(this.messagingServiceCallback
          ? { 'messaging-service-callback': this.messagingServiceCallback.handler }
          : {}),
      },
      reconciler: this.reconciler,
      tables: { messages: this.table, idempotency: this.idempotencyTable },
      pendingIndex: { table: this.table, indexName: MESSAGES_TABLE.pendingIndex.name },
      sendQueue: this.sendQueue,
      sendDeadLetterQueue: this.sendDeadLetterQueue,
      alarmEmail: config.alarmEmail,
      signatureRejectionThreshold: config.signatureRejectionThreshold,
      failureRateThreshold: config.failureRateThreshold,
    });

    this.addOutputs(secret.secret, callbackUrl, callbackUrlWithRetries);
  }

  /**
   * A TrackerFunction with this stack's log retention and removal policy. Add new functions through it,
   * then grant exactly what they need (`grantTable`, `grantSecretRead`, or the resource's own grant).
   */
  trackerFunction(
    id: string,
    props: Omit<TrackerFunctionProps, 'logRetention' | 'removalPolicy'>,
  ): TrackerFunction {
    return new TrackerFunction(this, id, {
      ...props,
      logRetention: this.config.logRetention,
      removalPolicy: this.removalPolicy,
    });
  }

  /**
   * Settings every function that writes message records must share (callback, sender, reconciler): how
   * long a record lives and how many shards the pending index has. Lowering PENDING_SHARDS after a
   * deployment would strand unfinished messages in the shards no longer queried.
   */
  addStoreEnvironment(fn: TrackerFunction): TrackerFunction {
    return fn
      .addEnvironment('RETENTION_DAYS', String(this.config.retentionDays))
      .addEnvironment('PENDING_SHARDS', String(this.config.pendingShards));
  }

  /**
   * Powertools idempotency records of the sender (key `id`, TTL `expiration`: Powertools' defaults). Kept
   * like the messages table: a restored messages table without the matching keys could send twice.
   */
  private createIdempotencyTable(): dynamodb.Table {
    return new dynamodb.Table(this, 'SendIdempotency', {
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
      deletionProtection: this.config.stage !== 'dev',
      removalPolicy: this.removalPolicy,
    });
  }

  /**
   * The sender, invoked directly or fed by the send queue. A record that fails with a retryable error is
   * reported in `batchItemFailures` and comes back after the visibility timeout; after
   * SEND_MAX_RECEIVE_COUNT receives it goes to the dead-letter queue (alarmed). Both queues are encrypted
   * (SSE-SQS, so no KMS grant is needed) and refuse anything but TLS.
   */
  private createSender(
    secret: { secret: secretsmanager.ISecret; secretId: string },
    statusCallbackUrl: string,
  ): { sender: TrackerFunction; queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
    const { config } = this;
    const environment: Record<string, string> = { STATUS_CALLBACK_URL: statusCallbackUrl };
    if (config.useServiceCallback) environment.USE_SERVICE_CALLBACK = 'true';
    if (config.defaultFrom) environment.DEFAULT_FROM = config.defaultFrom;
    if (config.messagingServiceSid) environment.DEFAULT_MESSAGING_SERVICE_SID = config.messagingServiceSid;

    const sender = this.trackerFunction('Sender', {
      bundle: 'sender',
      description: 'Sends messages through Twilio and records each one (direct invocation or the send queue)',
      timeout: SENDER_TIMEOUT,
      environment,
    })
      .grantTable(this.table, ['dynamodb:UpdateItem'])
      .grantTable(
        this.idempotencyTable,
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        { environmentKey: 'IDEMPOTENCY_TABLE_NAME' },
      )
      .grantSecretRead(secret.secret, secret.secretId);
    this.addStoreEnvironment(sender);

    const deadLetterQueue = new sqs.Queue(this, 'SendDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, 'SendQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(SENDER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: SEND_MAX_RECEIVE_COUNT },
    });
    sender.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Twilio limits concurrent API requests per account; a burst on the queue should wait, not 429.
        maxConcurrency: config.senderMaxConcurrency,
      }),
    );
    return { sender, queue, deadLetterQueue };
  }

  /**
   * The reconciler, on an EventBridge rule (no role to hold: the rule invokes through the function's
   * resource policy, limited to this rule). Reserved concurrency 1 keeps runs from overlapping; a run
   * that fails is not retried, because the next scheduled run picks up where it stopped (the pending
   * index is the work list).
   */
  private createReconciler(secret: { secret: secretsmanager.ISecret; secretId: string }): {
    reconciler: TrackerFunction;
    schedule: events.Rule;
  } {
    const { config } = this;
    const reconciler = this.trackerFunction('Reconciler', {
      bundle: 'reconciler',
      description: 'Polls Twilio for messages whose final status callback never came',
      timeout: Duration.minutes(RECONCILER_TIMEOUT_MINUTES),
      reservedConcurrentExecutions: 1,
      environment: {
        RECONCILE_MIN_AGE_HOURS: String(config.reconcileMinAgeHours),
        RECONCILE_HORIZON_HOURS: String(config.reconcileHorizonHours),
        RECONCILE_CONCURRENCY: String(config.reconcileConcurrency),
      },
    })
      .grantTable(this.table, ['dynamodb:Query'], { index: MESSAGES_TABLE.pendingIndex.name })
      .grantTable(this.table, ['dynamodb:UpdateItem'])
      .grantSecretRead(secret.secret, secret.secretId);
    this.addStoreEnvironment(reconciler);
    reconciler.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });

    const schedule = new events.Rule(this, 'ReconcileSchedule', {
      description: 'Runs the reconciler: polls Twilio for messages that are not final',
      schedule: events.Schedule.expression(config.reconcileSchedule),
      targets: [new eventsTargets.LambdaFunction(reconciler.function)],
    });
    return { reconciler, schedule };
  }

  /**
   * Points the Messaging Service's Delivery Status Callback at this stack on create/update and puts the
   * previous value back on delete (the handler keeps it in the physical resource id).
   *
   * The Provider framework's own function gets a role and a log group written here, like a
   * TrackerFunction's: the framework passes the role on without adding to it (`withoutPolicyUpdates`), so
   * no AWSLambdaBasicExecutionRole and no `function:*` invoke grant; it may invoke the one handler, and
   * write to its own log group. Its runtime is CDK's choice (the newest Node.js CDK knows: nodejs24.x in
   * every region with this aws-cdk-lib), which is what cdk-nag's L1 asks for, so nothing is acknowledged.
   */
  private wireMessagingService(
    secret: { secret: secretsmanager.ISecret; secretId: string },
    messagingServiceSid: string,
    statusCallbackUrl: string,
  ): NonNullable<StatusTrackerStack['messagingServiceCallback']> {
    const handler = this.trackerFunction('MessagingServiceCallback', {
      bundle: 'messaging-service-callback',
      description: "Sets the Messaging Service's Delivery Status Callback (CloudFormation custom resource)",
      timeout: Duration.seconds(30),
    }).grantSecretRead(secret.secret, secret.secretId);

    const frameworkLogs = new logs.LogGroup(this, 'MessagingServiceCallbackProviderLogs', {
      retention: this.config.logRetention,
      removalPolicy: this.removalPolicy,
    });
    const frameworkRole = new iam.Role(this, 'MessagingServiceCallbackProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'CDK custom resource provider framework for the Messaging Service callback (execution role)',
    });
    frameworkLogs.grantWrite(frameworkRole);
    frameworkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // GetFunction: the framework waits for the handler to be Active before invoking it.
        actions: ['lambda:InvokeFunction', 'lambda:GetFunction'],
        resources: [handler.function.functionArn],
      }),
    );
    const provider = new cr.Provider(this, 'MessagingServiceCallbackProvider', {
      onEventHandler: handler.function,
      logGroup: frameworkLogs,
      frameworkOnEventRole: frameworkRole.withoutPolicyUpdates(),
    });
    const resource = new CustomResource(this, 'MessagingServiceStatusCallback', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TwilioMessagingServiceCallback',
      properties: { MessagingServiceSid: messagingServiceSid, StatusCallbackUrl: statusCallbackUrl },
    });
    // Twilio starts calling the URL as soon as it is set: set it once the route and stage exist.
    resource.node.addDependency(this.api);
    return { handler, provider, resource };
  }

  private createOrImportSecret(): { secret: secretsmanager.ISecret; secretId: string } {
    const existing = this.config.twilioSecretName;
    if (existing) {
      // By name: the Lambda passes the name to GetSecretValue, and the grant covers the random suffix
      // Secrets Manager appends to the ARN. A secret encrypted with a customer managed KMS key also needs
      // kms:Decrypt for the callback role, which this stack cannot know about.
      return {
        secret: secretsmanager.Secret.fromSecretNameV2(this, 'TwilioCredentials', existing),
        secretId: existing,
      };
    }
    // The stack creates the container, never the value: the template holds only a non-secret note, and
    // the generated key is a throwaway that keeps the secret valid JSON. Until the operator puts the real
    // credentials in (README, Deploy), the callback finds no "authToken" and answers 503, logged as a
    // configuration fault, rather than 403 as if every callback were forged.
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
      removalPolicy: this.removalPolicy,
    });
    // cdk-nag 3 reads acknowledgements from CDK's Validations metadata on the resource or its parents.
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

  private createApi(): apigw.HttpApi {
    const { config } = this;
    const api = new apigw.HttpApi(this, 'Api', {
      description: 'Twilio message status tracker',
      // Any route added later is IAM-authorised unless it opts out explicitly, as the callback does.
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetention,
      removalPolicy: this.removalPolicy,
    });
    api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiThrottleRateLimit, burstLimit: config.apiThrottleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // One JSON line per request. No query string, headers or body: nothing secret or personal.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const [callbackRoute] = api.addRoutes({
      path: CALLBACK_PATH,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('StatusCallbackIntegration', this.statusCallback.function),
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    if (!callbackRoute) throw new Error('addRoutes returned no route for the callback');
    Validations.of(callbackRoute.node.defaultChild as apigw.CfnRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Twilio cannot sign AWS requests or present a token: it authenticates each callback with ' +
        'X-Twilio-Signature (HMAC-SHA1 of the URL and form with the account auth token), which the ' +
        'status-callback Lambda validates before any read or write, answering 403 when it does not match.',
    });

    api.addRoutes({
      path: MESSAGE_ROUTE_PATH,
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('QueryIntegration', this.query.function),
      authorizer: new HttpIamAuthorizer(),
    });
    return api;
  }

  private addOutputs(
    secret: secretsmanager.ISecret,
    callbackUrl: string,
    callbackUrlWithRetries: string,
  ): void {
    new CfnOutput(this, 'StatusCallbackUrl', {
      description:
        "Paste into the Messaging Service's Delivery Status Callback, or pass as StatusCallback when sending",
      value: callbackUrl,
    });
    new CfnOutput(this, 'StatusCallbackUrlWithRetries', {
      description: 'The callback URL with Twilio connection overrides: up to 5 retries on timeouts and 5xx',
      value: callbackUrlWithRetries,
    });
    new CfnOutput(this, 'QueryUrl', {
      description: 'GET with SigV4 (AWS_IAM, service execute-api) to read one message',
      value: `${this.api.apiEndpoint}/messages/{messageSid}`,
    });
    new CfnOutput(this, 'MessagesTableName', { value: this.table.tableName });
    new CfnOutput(this, 'TwilioSecretName', {
      description: 'Put the Twilio credentials JSON here (README, Deploy)',
      value: secret.secretName,
    });
    new CfnOutput(this, 'SendQueueUrl', {
      description: 'Send a message by putting its JSON send request on this queue (SQS SendMessage)',
      value: this.sendQueue.queueUrl,
    });
    new CfnOutput(this, 'SenderFunctionName', {
      description: 'Send a message and get its SID back by invoking this function with the send request',
      value: this.sender.function.functionName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the whole pipeline',
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.operations.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this topic: subscribe a pager, chat or e-mail (context alarmEmail)',
      value: this.operations.topic.topicArn,
    });
  }
}
