/**
 * The CloudFormation logical IDs the ready-made app's stateful resources were released with (0.1.0, when
 * they sat directly in the stack). A resource whose logical ID changes is a new resource to
 * CloudFormation: a retained table would be orphaned and an empty one created, queued send requests
 * dropped with their queue, and every alarm subscriber asked to confirm a new topic. So the app's stack
 * pins these IDs; test/infra compares them with the released template.
 *
 * Only the app's stack pins them (it holds one tracker). A tracker in a user's own app has the IDs its
 * place in that app gives it, and two trackers in one stack never collide.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { StatusTracker } from './status-tracker';

/** Construct path under the tracker -> logical ID in the released template. */
export const RELEASED_LOGICAL_IDS: Readonly<Record<string, string>> = {
  'Table/Messages': 'Messages804FA4EB',
  TwilioCredentials: 'TwilioCredentials18AA37CC',
  'Api/StatusCallback/LogGroup': 'StatusCallbackLogGroupDCD7CD8E',
  'Api/Query/LogGroup': 'QueryLogGroup57CDB443',
  'Api/AccessLogs': 'ApiAccessLogsE9DF007D',
  'Sending/Idempotency': 'SendIdempotency18270736',
  'Sending/Sender/LogGroup': 'SenderLogGroupC53106E1',
  'Sending/DeadLetterQueue': 'SendDeadLetterQueue75EE196E',
  'Sending/Queue': 'SendQueue1F034DCA',
  'Reconciler/Function/LogGroup': 'ReconcilerLogGroupF3EE86C4',
  'Operations/AlarmTopicKey': 'OperationsAlarmTopicKey52078457',
  'Operations/AlarmTopic': 'OperationsAlarmTopic909EF7A3',
  'MessagingService/Handler/LogGroup': 'MessagingServiceCallbackLogGroupF027BF7A',
  'MessagingService/ProviderLogs': 'MessagingServiceCallbackProviderLogs4987F3FD',
};

/** Gives each released resource present under the tracker its released logical ID. */
export function pinReleasedLogicalIds(tracker: StatusTracker): void {
  for (const [path, logicalId] of Object.entries(RELEASED_LOGICAL_IDS)) {
    const found = findPath(tracker, path);
    if (!found) continue; // optional parts (an imported secret, no Messaging Service)
    const resource = found.node.defaultChild ?? found;
    if (!CfnResource.isCfnResource(resource)) throw new Error(`${path} is not a CloudFormation resource`);
    resource.overrideLogicalId(logicalId);
  }
}

function findPath(tracker: StatusTracker, path: string): IConstruct | undefined {
  let node: IConstruct | undefined = tracker;
  for (const id of path.split('/')) node = node?.node.tryFindChild(id);
  return node;
}
