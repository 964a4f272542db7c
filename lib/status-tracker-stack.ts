/**
 * The deployed tracker:
 *
 *   Twilio --POST form + X-Twilio-Signature--> HTTP API POST /message-status --> status-callback λ --> table
 *   caller --SigV4 (AWS_IAM)-->               HTTP API GET /messages/{sid}   --> query λ           --> table
 *
 * Stateful resources (table, secret, logs) are retained unless the stage is `dev`. Every function is a
 * TrackerFunction with a role of its own that starts empty: grants below are the whole of what each may do.
 */
import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TrackerConfig } from './config';
import { TrackerFunction, type TrackerFunctionProps } from './constructs/tracker-function';
import { MESSAGES_TABLE } from './table-definition';

export interface StatusTrackerStackProps extends StackProps {
  readonly config: TrackerConfig;
}

/** Path Twilio posts status callbacks to; the same in AWS and in `npm start`. */
export const CALLBACK_PATH = '/message-status';

/**
 * Twilio connection overrides (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides):
 * retry up to 5 times on a connect timeout, a read timeout or a 5xx, which is what the callback answers
 * when DynamoDB or the secret cannot be reached. Twilio strips the fragment before calling, so it is not
 * part of the signed URL and needs no handling in the Lambda.
 */
export const CALLBACK_RETRY_FRAGMENT = '#rc=5&rp=ct,rt,5xx';

export class StatusTrackerStack extends Stack {
  readonly table: dynamodb.Table;
  readonly twilioSecret: secretsmanager.ISecret;
  readonly api: apigw.HttpApi;
  readonly statusCallback: TrackerFunction;
  readonly query: TrackerFunction;
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
      handler: 'status-callback',
      description: 'Records Twilio message status callbacks (POST /message-status)',
      environment: config.publicBaseUrl ? { PUBLIC_BASE_URL: config.publicBaseUrl } : {},
    })
      .grantTable(this.table, ['dynamodb:UpdateItem'])
      .grantSecretRead(this.twilioSecret, secret.secretId);
    this.addStoreEnvironment(this.statusCallback);

    this.query = this.trackerFunction('Query', {
      handler: 'query',
      description: 'Returns the tracked status of one message (GET /messages/{messageSid})',
    }).grantTable(this.table, ['dynamodb:GetItem']);

    this.api = this.createApi();

    this.addOutputs(secret.secret);
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
      path: '/messages/{messageSid}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('QueryIntegration', this.query.function),
      authorizer: new HttpIamAuthorizer(),
    });
    return api;
  }

  private addOutputs(secret: secretsmanager.ISecret): void {
    const base = this.config.publicBaseUrl ?? this.api.apiEndpoint;
    const callbackUrl = `${base}${CALLBACK_PATH}`;
    new CfnOutput(this, 'StatusCallbackUrl', {
      description:
        "Paste into the Messaging Service's Delivery Status Callback, or pass as StatusCallback when sending",
      value: callbackUrl,
    });
    new CfnOutput(this, 'StatusCallbackUrlWithRetries', {
      description: 'The callback URL with Twilio connection overrides: up to 5 retries on timeouts and 5xx',
      value: `${callbackUrl}${CALLBACK_RETRY_FRAGMENT}`,
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
  }
}
