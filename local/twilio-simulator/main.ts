/**
 * Runs the simulator on its own: `npx tsx local/twilio-simulator/main.ts`.
 * Environment: TWILIO_SIMULATOR_PORT (default 0 = any free port), TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
 * TWILIO_SIMULATOR_SEED; TWILIO_ACCOUNTS_FILE (the parent and its subaccounts, as `npm start` reads it).
 */
import { readAccountsFile } from './accounts-file';
import { startTwilioSimulator } from './index';

function numberFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`${name} must be an integer, got ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const file = process.env.TWILIO_ACCOUNTS_FILE;
  const [parent, ...subaccounts] = file ? readAccountsFile(file) : [];
  const sim = await startTwilioSimulator({
    port: numberFromEnv('TWILIO_SIMULATOR_PORT') ?? 0,
    ...(process.env.TWILIO_ACCOUNT_SID ? { accountSid: process.env.TWILIO_ACCOUNT_SID } : {}),
    ...(process.env.TWILIO_AUTH_TOKEN ? { authToken: process.env.TWILIO_AUTH_TOKEN } : {}),
    ...(parent ? { accountSid: parent.accountSid, authToken: parent.authToken, subaccounts } : {}),
    ...(numberFromEnv('TWILIO_SIMULATOR_SEED') !== undefined
      ? { seed: numberFromEnv('TWILIO_SIMULATOR_SEED') }
      : {}),
  });
  console.log(`Twilio simulator listening on ${sim.url}`);
  console.log(`  account SID: ${sim.accountSid}`);
  console.log(
    `  auth token:  ${process.env.TWILIO_AUTH_TOKEN || parent ? '(from the environment)' : sim.authToken}`,
  );
  if (subaccounts.length > 0) console.log(`  subaccounts: ${subaccounts.length} (from TWILIO_ACCOUNTS_FILE)`);
  const shutdown = () => {
    void sim.stop().then(() => {
      console.log('Twilio simulator stopped', sim.stats());
      process.exit(0);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
