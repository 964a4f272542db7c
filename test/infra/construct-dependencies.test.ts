/**
 * What a CDK app that installs the package must have for the construct to load: aws-cdk-lib and
 * constructs (its peer dependencies), nothing else. The handlers' packages (Twilio, Powertools,
 * libphonenumber-js, ...) live inside the prebuilt bundles and are not installed beside the construct,
 * so a module of lib/ that reached one of them would fail `cdk synth` in the user's app.
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/constructs/tracker-function';

it('the construct loads no package but aws-cdk-lib and constructs', async () => {
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, 'lib', 'index.ts')],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
    logLevel: 'silent',
  });
  const packages = new Set(
    Object.keys(result.metafile.inputs)
      .filter((input) => input.includes('node_modules/'))
      .map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)![1]),
  );
  expect([...packages]).toEqual([]);
});
