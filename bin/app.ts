#!/usr/bin/env node
/**
 * The ready-made CDK app: reads and validates context (cdk.json or `-c key=value`), then builds one stack
 * per stage, e.g. `npx cdk deploy -c stage=dev` gives TwilioStatusTracker-dev. The account and region come
 * from the CLI's credentials (CDK_DEFAULT_ACCOUNT/REGION); nothing account-specific lives in the code.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ConfigError, readAppConfig } from '../lib/config';
import { StatusTrackerStack } from '../lib/status-tracker-stack';

const app = new App();

try {
  const config = readAppConfig(app.node);
  new StatusTrackerStack(app, `TwilioStatusTracker-${config.stage}`, {
    config,
    description: `Twilio message status tracker (${config.stage})`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Invalid configuration: ${error.message}`);
  process.exit(1);
}

// Every synth is checked against the AWS Solutions and the Serverless rules (cdk-nag 3 packs are CDK
// policy-validation plugins, not Aspects): a finding that is not acknowledged on its resource fails the synth.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
