/** The package root (`main` of twilio-status-tracker): what a CDK app imports to use the tracker. */
export { StatusTrackerStack, type StatusTrackerStackProps } from './status-tracker-stack';
export { ConfigError, readTrackerConfig, type TrackerConfig } from './config';
export { TrackerFunction, type TrackerFunctionProps, type TableAction } from './constructs/tracker-function';
export { TrackerOperations, type OperationsProps } from './constructs/operations';
