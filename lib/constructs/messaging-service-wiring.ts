/**
 * Points a Messaging Service's Delivery Status Callback at the tracker on create/update and puts the
 * previous value back on delete (the handler keeps it in the physical resource id).
 *
 * The Provider framework's own function gets a role and a log group written here, like a
 * TrackerFunction's: the framework passes the role on without adding to it (`withoutPolicyUpdates`), so
 * no AWSLambdaBasicExecutionRole and no `function:*` invoke grant; it may invoke the one handler, and
 * write to its own log group. Its runtime is CDK's choice (the newest Node.js CDK knows), which is what
 * cdk-nag's L1 asks for, so nothing is acknowledged.
 */
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import type { FunctionDefaults, TwilioSecretRef } from './function-defaults';
import { TrackerFunction } from './tracker-function';

export interface MessagingServiceWiringProps extends FunctionDefaults {
  readonly twilioSecret: TwilioSecretRef;
  readonly messagingServiceSid: string;
  readonly statusCallbackUrl: string;
  /** Twilio starts calling the URL as soon as it is set: set it once the route and stage exist. */
  readonly after: IDependable;
}

export class MessagingServiceWiring extends Construct {
  readonly handler: TrackerFunction;
  readonly provider: cr.Provider;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MessagingServiceWiringProps) {
    super(scope, id);
    this.handler = new TrackerFunction(this, 'Handler', {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      tracing: props.tracing,
      bundle: 'messaging-service-callback',
      description: "Sets the Messaging Service's Delivery Status Callback (CloudFormation custom resource)",
      timeout: Duration.seconds(30),
    })
      .grantSecretRead(props.twilioSecret.secret, props.twilioSecret.secretId)
      .noDeadLetterQueue(
        "Only the custom resource provider's framework function invokes it, synchronously, and reports " +
          'a failure to CloudFormation, which fails the deployment (the error in the stack events). A ' +
          'dead-letter queue serves asynchronous invocations only.',
      );

    const frameworkLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'CDK custom resource provider framework for the Messaging Service callback (execution role)',
    });
    frameworkLogs.grantWrite(frameworkRole);
    frameworkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // GetFunction: the framework waits for the handler to be Active before invoking it.
        actions: ['lambda:InvokeFunction', 'lambda:GetFunction'],
        resources: [this.handler.function.functionArn],
      }),
    );
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler.function,
      logGroup: frameworkLogs,
      frameworkOnEventRole: frameworkRole.withoutPolicyUpdates(),
    });
    // CDK's own function: its code, runtime and sizing are the framework's, so what the serverless rules
    // ask of it is acknowledged here rather than changed underneath CDK.
    Validations.of(this.provider.node.findChild('framework-onEvent')).acknowledge(
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'CloudFormation invokes it once per custom-resource event, and the framework answers CloudFormation ' +
          'itself, with the error when the handler fails, so the deployment fails and rolls back: a ' +
          'dead-lettered request would be one nobody is waiting for any more.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          "CDK's framework code, run only during deployments: it relays CloudFormation's request to the " +
          'handler (traced with the "tracing" setting) and logs to its own log group.',
      },
      {
        id: 'Serverless-LambdaDefaultMemorySize',
        reason:
          "The Provider construct does not expose the framework function's memory: CDK sizes it (128 MB) for " +
          'relaying one small request per deployment.',
      },
    );
    this.resource = new CustomResource(this, 'StatusCallback', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::TwilioMessagingServiceCallback',
      properties: {
        MessagingServiceSid: props.messagingServiceSid,
        StatusCallbackUrl: props.statusCallbackUrl,
      },
    });
    this.resource.node.addDependency(props.after);
  }
}
