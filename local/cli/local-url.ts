/**
 * The local server the commands talk to when no --url is given: $TRACKER_URL, else `npm start` on
 * $PORT (3000 unless set), the same rule `npm start` uses to pick its port. Help texts print the value
 * this resolves to, so they name the URL actually used.
 */
export const DEFAULT_PORT = 3000;

export function defaultLocalUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRACKER_URL || `http://127.0.0.1:${env.PORT || DEFAULT_PORT}`;
}
