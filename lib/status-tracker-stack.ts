/**
 * The ready-made app's stack: context -> props -> one StatusTracker -> outputs. `bin/app.ts` builds one
 * per stage and runs cdk-nag over the app.
 *
 * Stacks deployed before the tracker became a construct keep their stateful resources: the tables,
 * secret, queues, log groups and alarm topic keep the CloudFormation logical IDs they were released with
 * (released-logical-ids.ts), so `cdk deploy` of a new version updates them in place instead of creating
 * empty ones beside the retained old ones.
 */
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppConfig } from './config';
import { pinReleasedLogicalIds } from './released-logical-ids';
import { StatusTracker } from './status-tracker';
import { CALLBACK_RETRY_FRAGMENT } from '../lambda/domain/contract';

/** The ready-made stack's props: the app's settings, read from context by readAppConfig. */
export interface StatusTrackerStackProps extends StackProps {
  /** The stage, the secret's name and the construct's props, as readAppConfig returns them. */
  readonly config: AppConfig;
}

/** The ready-made app's stack: one StatusTracker and the stack's outputs. */
export class StatusTrackerStack extends Stack {
  /** The tracker the stack holds. */
  readonly tracker: StatusTracker;

  constructor(scope: Construct, id: string, props: StatusTrackerStackProps) {
    super(scope, id, props);
    const { config } = props;
    // By name: the Lambdas pass the name to GetSecretValue, and the grant covers the random suffix
    // Secrets Manager appends to the ARN.
    const twilioSecret = config.twilioSecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'TwilioCredentials', config.twilioSecretName)
      : undefined;
    this.tracker = new StatusTracker(this, 'Tracker', { ...config.props, twilioSecret });
    pinReleasedLogicalIds(this.tracker);
    this.addOutputs();
  }

  private addOutputs(): void {
    const { tracker } = this;
    new CfnOutput(this, 'StatusCallbackUrl', {
      description:
        "Paste into the Messaging Service's Delivery Status Callback, or pass as StatusCallback when sending",
      value: tracker.callbackUrl,
    });
    new CfnOutput(this, 'StatusCallbackUrlWithRetries', {
      description: 'The callback URL with Twilio connection overrides: up to 5 retries on timeouts and 5xx',
      value: tracker.callbackUrlWithRetries,
    });
    new CfnOutput(this, 'StatusCallbackUrlWithTagsTemplate', {
      description:
        'Tags ride on the callback URL: replace or add query parameters (up to 10, key [A-Za-z0-9_.-]{1,64}); the query comes before the fragment',
      value: `${tracker.callbackUrl}?tenant={tenant}&campaign={campaign}${CALLBACK_RETRY_FRAGMENT}`,
    });
    new CfnOutput(this, 'ListUrl', {
      description: 'GET with SigV4 (AWS_IAM, service execute-api) to list messages: ?status=failed&since=...',
      value: tracker.listUrl,
    });
    new CfnOutput(this, 'QueryUrl', {
      description: 'GET with SigV4 (AWS_IAM, service execute-api) to read one message',
      value: tracker.queryUrl,
    });
    new CfnOutput(this, 'MessagesTableName', { value: tracker.table.tableName });
    new CfnOutput(this, 'TwilioSecretName', {
      description: 'Put the Twilio credentials JSON here (docs/deploy.md)',
      value: tracker.twilioSecret.secretName,
    });
    new CfnOutput(this, 'SendQueueUrl', {
      description: 'Send a message by putting its JSON send request on this queue (SQS SendMessage)',
      value: tracker.sendQueue.queueUrl,
    });
    new CfnOutput(this, 'SenderFunctionName', {
      description: 'Send a message and get its SID back by invoking this function with the send request',
      value: tracker.senderFunction.functionName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the whole pipeline',
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${tracker.dashboard.dashboardName}`,
    });
    if (tracker.statusHistory) {
      new CfnOutput(this, 'HistoryBucketName', {
        description: 'Parquet history rows, one folder per UTC day: history/dt=YYYY-MM-DD/',
        value: tracker.statusHistory.bucket.bucketName,
      });
      new CfnOutput(this, 'HistoryDatabaseName', {
        description: 'Glue database of the history table (Athena: "database"."table")',
        value: tracker.statusHistory.databaseName,
      });
      new CfnOutput(this, 'HistoryTableName', {
        description: 'Glue table of history rows, partitioned by dt (partition projection)',
        value: tracker.statusHistory.tableName,
      });
      new CfnOutput(this, 'HistoryWorkGroupName', {
        description:
          'Athena workgroup with the named history queries (aws athena start-query-execution --work-group ...)',
        value: tracker.statusHistory.workGroupName,
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this topic: subscribe a pager, chat or e-mail (context alarmEmail)',
      value: tracker.alarmTopic.topicArn,
    });
  }
}
