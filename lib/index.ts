/** The package root (`main` of twilio-status-tracker): what a CDK app imports to use the tracker. */
export { StatusTracker } from './status-tracker';
export {
  ConfigError,
  RECONCILER_TIMEOUT_MINUTES,
  TRACKER_DEFAULTS,
  type StatusTrackerProps,
} from './tracker-props';
export type { TrackerSettings } from './tracker-settings';
export type { StatusChangeRuleOptions } from './status-tracker';
export { StatusTrackerStack, type StatusTrackerStackProps } from './status-tracker-stack';
export { readAppConfig, type AppConfig } from './config';
