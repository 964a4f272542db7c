/** Where `npm start` writes history and `npm run report` reads it unless HISTORY_DIR says otherwise. */
export const DEFAULT_HISTORY_DIR = '.local-data/history';

/**
 * The history folder from the environment: HISTORY=off turns history off (undefined), else HISTORY_DIR
 * or the default. Any other HISTORY than on or off is refused rather than read as on.
 */
export function historyDirFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const history = env.HISTORY ?? '';
  if (history === 'off') return undefined;
  if (history !== '' && history !== 'on')
    throw new Error(`HISTORY must be on or off, got "${history}"`);
  return env.HISTORY_DIR || DEFAULT_HISTORY_DIR;
}
