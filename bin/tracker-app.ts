/**
 * What bin/app.ts builds into the CDK app: the stack of the stage the context names, and cdk-nag's
 * checks over the app. A separate module so that a test can build the very same app in-process, with
 * the context the CLI would pass (test/infra/cdk-cli-synth.test.ts).
 */
import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readAppConfig } from '../lib/config';
import { StatusTrackerStack } from '../lib/status-tracker-stack';

/** Adds the stack and the checks to `app`; throws ConfigError when the context is wrong. */
export function buildTrackerApp(app: App, env: Environment): StatusTrackerStack {
  const config = readAppConfig(app.node);
  const stack = new StatusTrackerStack(app, `TwilioStatusTracker-${config.stage}`, {
    config,
    description: `Twilio message status tracker (${config.stage})`,
    env,
  });
  // Every synth is checked against the AWS Solutions and the Serverless rules (cdk-nag 3 packs are CDK
  // policy-validation plugins, not Aspects): a finding that is not acknowledged on its resource fails the synth.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return stack;
}
