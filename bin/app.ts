#!/usr/bin/env node
/**
 * The ready-made CDK app: reads and validates context (cdk.json or `-c key=value`), then builds one stack
 * per stage, e.g. `npx cdk deploy -c stage=dev` gives TwilioStatusTracker-dev. The account and region come
 * from the CLI's credentials (CDK_DEFAULT_ACCOUNT/REGION); nothing account-specific lives in the code.
 * What goes into the app, cdk-nag's checks included, is bin/tracker-app.ts.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config';
import { buildTrackerApp } from './tracker-app';

const app = new App();

try {
  buildTrackerApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Invalid configuration: ${error.message}`);
  process.exit(1);
}
