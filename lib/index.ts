/** The package root (`main` of twilio-status-tracker): what a CDK app imports to use the tracker. */
export { StatusTracker } from './status-tracker';
export {
  ConfigError,
  RECONCILER_TIMEOUT_MINUTES,
  TRACKER_DEFAULTS,
  type StatusTrackerProps,
} from './tracker-props';
export type { TrackerSettings } from './tracker-settings';
export type { DeadNumberPolicy } from '../lambda/domain/dead-numbers';
export type { StatusChangeRuleOptions } from './status-tracker';
export {
  TRACKER_SETTINGS,
  type Setting,
  type ContextSetting,
  type ContextType,
  type SettingName,
  type TrackerDefaults,
} from './setting-table';
// The parts a StatusTracker exposes (its public fields), for wiring to what its own fields do not.
export { CallbackApi } from './constructs/callback-api';
export { DeadNumbersTable } from './constructs/dead-numbers-table';
export type { AnomalyCheck } from './constructs/history-anomalies';
export { MessagesTable } from './constructs/messages-table';
export { MessagingServiceWiring } from './constructs/messaging-service-wiring';
export { TrackerOperations } from './constructs/operations';
export { Reconciler } from './constructs/reconciler';
export { SendPipeline } from './constructs/send-pipeline';
export { StatusEvents } from './constructs/status-events';
export { StatusHistory, type HistoryNamedQuery } from './constructs/status-history';
export { StatusTrackerStack, type StatusTrackerStackProps } from './status-tracker-stack';
export { readAppConfig, type AppConfig } from './config';
