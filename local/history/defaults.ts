/** Where `npm start` writes history and `npm run report` reads it unless HISTORY_DIR says otherwise. */
export const DEFAULT_HISTORY_DIR = '.local-data/history';

/**
 * The history folder from the environment: HISTORY=off turns history off (undefined), else HISTORY_DIR
 * or the default.
 */
export function historyDirFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HISTORY === 'off') return undefined;
  return env.HISTORY_DIR || DEFAULT_HISTORY_DIR;
}
