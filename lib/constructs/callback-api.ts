/**
 * The HTTP API and the two functions behind it:
 *
 *   Twilio --POST form + X-Twilio-Signature--> POST /message-status --> status-callback λ --> table
 *   caller --SigV4 (AWS_IAM)-->               GET /messages/{sid}   --> query λ           --> table
 *   caller --SigV4 (AWS_IAM)-->               GET /messages?filters --> query λ --> indexes, table
 *
 * Every route is IAM-authorised unless it opts out explicitly, as the callback does (Twilio cannot sign
 * AWS requests; the Lambda checks X-Twilio-Signature before any read or write).
 */
import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CALLBACK_PATH,
  DEAD_NUMBER_ROUTE_PATH,
  DEAD_NUMBERS_ROUTE_PATH,
  LIST_ROUTE_PATH,
  MESSAGE_ROUTE_PATH,
} from '../../lambda/domain/contract';
import type { FunctionDefaults, TwilioSecretRef } from './function-defaults';
import type { MessagesTable } from './messages-table';
import { TrackerFunction } from './tracker-function';
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';

export interface CallbackApiProps extends FunctionDefaults {
  readonly messages: MessagesTable;
  readonly twilioSecret: TwilioSecretRef;
  readonly publicBaseUrl?: string;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

export class CallbackApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly statusCallback: TrackerFunction;
  readonly query: TrackerFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CallbackApiProps) {
    super(scope, id);
    const defaults = {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      tracing: props.tracing,
    };
    // API Gateway invokes both functions synchronously and answers with what they return.
    const synchronousOnly = (routes: string, failure: string) =>
      `Only API Gateway invokes it, synchronously (${routes}), and ${failure}; a dead-letter queue ` +
      'serves asynchronous invocations only, so it would never receive anything.';

    this.statusCallback = props.messages
      .grantRecordWrites(
        new TrackerFunction(this, 'StatusCallback', {
          ...defaults,
          bundle: 'status-callback',
          description: 'Records Twilio message status callbacks (POST /message-status)',
          environment: environmentOf(props.publicBaseUrl && setting(ENV.publicBaseUrl, props.publicBaseUrl)),
        }),
      )
      .grantSecretRead(props.twilioSecret.secret, props.twilioSecret.secretId)
      .noDeadLetterQueue(
        synchronousOnly(
          'POST /message-status',
          'a failure is answered 503, so Twilio retries the callback (and the reconciler polls any ' +
            'message whose final callback never arrives)',
        ),
      );

    this.query = props.messages
      .grantListReads(
        new TrackerFunction(this, 'Query', {
          ...defaults,
          bundle: 'query',
          description: 'Returns tracked messages (GET /messages, GET /messages/{messageSid})',
        }),
      )
      .noDeadLetterQueue(
        synchronousOnly('GET /messages, GET /messages/{messageSid}', 'a failure is answered to the caller'),
      );

    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Twilio message status tracker',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
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

    const [callbackRoute] = this.api.addRoutes({
      path: CALLBACK_PATH,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('StatusCallbackIntegration', this.statusCallback.function),
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    if (!callbackRoute) throw new Error('addRoutes returned no route for the callback');
    // cdk-nag 3 reads acknowledgements from CDK's Validations metadata on the resource or its parents.
    Validations.of(callbackRoute.node.defaultChild as apigw.CfnRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Twilio cannot sign AWS requests or present a token: it authenticates each callback with ' +
        'X-Twilio-Signature (HMAC-SHA1 of the URL and form with the account auth token), which the ' +
        'status-callback Lambda validates before any read or write, answering 403 when it does not match.',
    });

    const queryIntegration = new HttpLambdaIntegration('QueryIntegration', this.query.function);
    for (const path of [MESSAGE_ROUTE_PATH, LIST_ROUTE_PATH]) {
      this.api.addRoutes({
        path,
        methods: [apigw.HttpMethod.GET],
        integration: queryIntegration,
        authorizer: new HttpIamAuthorizer(),
      });
    }
    // The dead-numbers API: the same function, the same authorisation as the list API.
    this.api.addRoutes({
      path: DEAD_NUMBERS_ROUTE_PATH,
      methods: [apigw.HttpMethod.GET],
      integration: queryIntegration,
      authorizer: new HttpIamAuthorizer(),
    });
    this.api.addRoutes({
      path: DEAD_NUMBER_ROUTE_PATH,
      methods: [apigw.HttpMethod.DELETE],
      integration: queryIntegration,
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /** Lets the grantee list dead numbers and clear them (execute-api:Invoke, SigV4). */
  grantDeadNumbers(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        this.api.arnForExecuteApi('GET', DEAD_NUMBERS_ROUTE_PATH),
        this.api.arnForExecuteApi('DELETE', `${DEAD_NUMBERS_ROUTE_PATH}/*`),
      ],
    });
  }

  /** Lets the grantee call the IAM-authorised read routes (execute-api:Invoke, SigV4). */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        this.api.arnForExecuteApi('GET', LIST_ROUTE_PATH),
        this.api.arnForExecuteApi('GET', '/messages/*'),
      ],
    });
  }
}
