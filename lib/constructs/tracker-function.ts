/**
 * The house Lambda: one place that pins how every function in this app is built and what it may do.
 *
 * - Node.js 24 on ARM64 (Graviton: about 20% cheaper per GB-second for the same work). Node.js 24 is the
 *   newest runtime this aws-cdk-lib knows, which is what cdk-nag's AwsSolutions-L1 asks for.
 * - An explicit log group with a retention, and a role written here rather than the one NodejsFunction
 *   would create: that one carries the AWSLambdaBasicExecutionRole managed policy (logs on `*`). This
 *   role starts empty and may write only to its own log group; everything else is granted by name.
 * - No X-Ray: its managed actions need `Resource: *`, and API Gateway access logs plus Powertools
 *   structured logs already say where a request went.
 */
import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Repository root: esbuild resolves from here and the lock file pins what gets bundled. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The runtime every function uses; tests assert it so a change is deliberate. */
export const TRACKER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** DynamoDB item and query actions a tracker function may be granted, one by one. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:ConditionCheckItem';

export interface TrackerFunctionProps {
  /** Handler file name under lambda/handlers, without extension (e.g. `status-callback`). */
  readonly handler: string;
  readonly description: string;
  readonly logRetention: logs.RetentionDays;
  /** Applies to the log group: keep logs of a retained stack, drop them with a disposable one. */
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Record<string, string>;
  /**
   * 10 s by default: an API handler does one DynamoDB write (and, cold, one secret read) with the SDK's
   * three attempts; anything slower should answer 503 and let Twilio retry, not hold the connection.
   */
  readonly timeout?: Duration;
  /**
   * 256 MB by default. Lambda allots CPU in proportion to memory, and a cold start here is CPU-bound
   * (parsing a ~0.4 MB bundle, two TLS handshakes); 128 MB roughly doubles that time for a saving of a
   * fraction of a cent per thousand invocations. The handlers themselves use well under 100 MB.
   */
  readonly memorySize?: number;
  /** Caps (and reserves) the function's concurrency; 1 makes runs strictly one at a time. */
  readonly reservedConcurrentExecutions?: number;
}

export class TrackerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrackerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'lambda', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: TRACKER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        // Stack traces point at the TypeScript source. The maps are written without sourcesContent, so
        // they stay small and cost little to load at a cold start.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // The lowest Node.js this code supports; the output runs unchanged on the Node.js 24 runtime.
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Prefer packages' ES module builds: esbuild can drop what is not imported, and the same handler
        // imports measurably faster this way than with esbuild's CommonJS-first default.
        mainFields: ['module', 'main'],
        // twilio's webhooks module is CommonJS and calls require() for Node built-ins; an ES module has no
        // `require`, so give the bundle one.
        banner:
          "import { createRequire as __trackerCreateRequire } from 'node:module'; const require = __trackerCreateRequire(import.meta.url);",
        // Bundle @aws-sdk/* instead of using the runtime's copy: the versions in package-lock.json are the
        // ones the tests ran against, and esbuild keeps only the clients and commands we import, which
        // loads faster than the runtime's full SDK. The cost is a larger asset, still well under 1 MB.
        externalModules: [],
        // In Lambda the role's credentials are always in the environment: swap the SDK's default
        // credential chain (SSO, STS, INI files, instance metadata; ~90 KB per client) for its
        // environment provider. See lambda/runtime/lambda-credentials.ts.
        esbuildArgs: {
          '--alias': '@aws-sdk/credential-provider-node=./lambda/runtime/lambda-credentials.ts',
        },
      },
    });
  }

  /** Sets an environment variable on the function. */
  addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }

  /**
   * Allows exactly these actions on the table itself (or on one named index), and names the table in
   * TABLE_NAME (or `environmentKey`, for a second table). Unlike `table.grant*`, no index wildcard
   * (`table/index/*`) is added.
   */
  grantTable(
    table: ITable,
    actions: readonly TableAction[],
    options: { index?: string; environmentKey?: string } = {},
  ): this {
    const resource = options.index ? `${table.tableArn}/index/${options.index}` : table.tableArn;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [resource] }));
    this.function.addEnvironment(options.environmentKey ?? 'TABLE_NAME', table.tableName);
    return this;
  }

  /**
   * Allows reading the secret's value (GetSecretValue, DescribeSecret) and names it in TWILIO_SECRET_ID.
   * Only the secret's identifier ever reaches the environment, never its contents.
   */
  grantSecretRead(secret: ISecret, secretId: string): this {
    secret.grantRead(this.role);
    this.function.addEnvironment('TWILIO_SECRET_ID', secretId);
    return this;
  }
}
