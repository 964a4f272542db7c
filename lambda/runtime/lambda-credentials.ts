/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set in
 * scripts/bundle.ts). In Lambda the function's role credentials are always in the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the SDK's own
 * environment provider is the whole chain; the default chain would add SSO, STS, INI files and the
 * instance metadata service (about 90 KB of code that never runs here) to every cold start.
 * Tests and local runs do not use the bundles and keep the default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider: typeof import('@aws-sdk/credential-provider-node').defaultProvider = (init) =>
  fromEnv(init);
