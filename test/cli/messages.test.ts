/**
 * `npm run messages` against a stand-in of the list endpoint that follows its contract: GET /messages
 * with the filters as query parameters, `{ messages, nextCursor }` in JSON, the server's CSV with the
 * next cursor in `X-Next-Cursor`, and a 400 that names the bad parameter.
 */
import { runCli } from '../../local/cli';
import { answerJson, captureIo, startStandIn, type StandIn } from '../support/stand-in';

const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;
const item = (n: number) => ({
  messageSid: sid(n),
  status: n % 2 ? 'failed' : 'delivered',
  final: true,
  createdAt: `2026-11-23T07:28:1${n}.560Z`,
  to: '+14155550100',
  ...(n % 2 ? { errorCode: 30003 } : {}),
  clientReference: `order-${n}`,
});
/** Three pages of two messages; the cursor is the page number. */
const PAGES = [[item(1), item(2)], [item(3), item(4)], [item(5)]];

let api: StandIn;

beforeAll(async () => {
  api = await startStandIn((request, response) => {
    if (request.url.pathname !== '/messages') return answerJson(response, 404, { error: 'no such route' });
    // A refusal only the server can make (the CLI checks what the list API's own parser refuses).
    if (request.url.searchParams.get('clientReference') === 'nope')
      return answerJson(response, 400, { error: 'clientReference: "nope" is refused here' });
    const page = Number(request.url.searchParams.get('cursor') ?? '0');
    const next = page + 1 < PAGES.length ? String(page + 1) : null;
    const messages = PAGES[page] ?? [];
    if (request.headers.accept === 'text/csv') {
      const rows = messages.map((m) => `${m.messageSid},${m.status},"${m.clientReference}, quoted"`);
      response.writeHead(200, { 'content-type': 'text/csv', ...(next ? { 'x-next-cursor': next } : {}) });
      return void response.end(['messageSid,status,clientReference', ...rows].join('\r\n') + '\r\n');
    }
    answerJson(response, 200, { messages, nextCursor: next });
  });
});

afterAll(() => api.close());

const run = async (...args: string[]) => {
  const captured = captureIo();
  const code = await runCli(['messages', ...args, '--url', api.url], captured.io);
  return { code, ...captured };
};

it('sends each filter as the query parameter the contract names', async () => {
  api.requests.length = 0;
  const { code } = await run(
    '--status',
    'failed,undelivered',
    '--final',
    'true',
    '--error-code',
    '30003',
    '--since',
    '2026-11-01T00:00:00Z',
    '--until',
    '2026-11-02',
    '--to',
    '+14155550100',
    '--from',
    'whatsapp:+15017250604',
    '--service',
    `MG${'a'.repeat(32)}`,
    '--account',
    `AC${'b'.repeat(32)}`,
    '--ref',
    'order 42',
    '--tag',
    'campaign=spring sale',
    '--tag',
    'team=growth',
    '--limit',
    '50',
  );
  expect(code).toBe(0);
  expect(Object.fromEntries(api.requests[0]!.url.searchParams)).toEqual({
    status: 'failed,undelivered',
    final: 'true',
    errorCode: '30003',
    since: '2026-11-01T00:00:00.000Z',
    until: '2026-11-02T00:00:00.000Z',
    to: '+14155550100',
    from: 'whatsapp:+15017250604',
    messagingServiceSid: `MG${'a'.repeat(32)}`,
    accountSid: `AC${'b'.repeat(32)}`,
    clientReference: 'order 42',
    'tag.campaign': 'spring sale',
    'tag.team': 'growth',
    limit: '50',
  });
  // No '+' for a space: the same encoding SigV4 signs, so a signed query means what was sent.
  expect(api.requests[0]!.url.search).toContain('clientReference=order%2042');
});

it('turns a relative --since into the instant that long ago', async () => {
  api.requests.length = 0;
  const before = Date.now();
  expect((await run('--since', '90m')).code).toBe(0);
  const since = Date.parse(api.requests[0]!.url.searchParams.get('since')!);
  expect(before - since).toBeGreaterThanOrEqual(90 * 60_000 - 1000);
  expect(before - since).toBeLessThanOrEqual(90 * 60_000 + 1000);
});

it('prints one page as a table and says how to get the next', async () => {
  const { code, out, err } = await run();
  expect(code).toBe(0);
  expect(out[0]).toMatch(/^SID\s+STATUS\s+CREATED\s+TO\s+ERROR\s+REF$/);
  expect(out[1]).toMatch(
    new RegExp(`^${sid(1)}\\s+failed\\s+2026-11-23T07:28:11Z\\s+\\+14155550100\\s+30003\\s+order-1$`),
  );
  expect(out).toHaveLength(3);
  expect(err).toEqual(['more messages: add --cursor 1 (or --all)']);
});

it('follows nextCursor to the last page with --all', async () => {
  api.requests.length = 0;
  const { code, out, err } = await run('--all', '--json', '--status', 'failed');
  expect(code).toBe(0);
  const answer = JSON.parse(out.join('\n')) as { messages: { messageSid: string }[]; nextCursor: null };
  expect(answer.messages.map((m) => m.messageSid)).toEqual([1, 2, 3, 4, 5].map(sid));
  expect(answer.nextCursor).toBeNull();
  expect(err).toEqual([]);
  expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, '1', '2']);
  // The filters go with every page, not only the first.
  expect(api.requests.every((r) => r.url.searchParams.get('status') === 'failed')).toBe(true);
});

it('passes the CSV through, one header row, following X-Next-Cursor with --all', async () => {
  const { code, out } = await run('--csv', '--all');
  expect(code).toBe(0);
  const lines = out.join('\n').split(/\r?\n/);
  expect(lines[0]).toBe('messageSid,status,clientReference');
  expect(lines.slice(1)).toEqual(
    [1, 2, 3, 4, 5].map((n) => `${sid(n)},${item(n).status},"order-${n}, quoted"`),
  );
  const onePage = await run('--csv');
  expect(onePage.out.join('\n').split(/\r?\n/)).toHaveLength(3);
  expect(onePage.err).toEqual(['more messages: add --cursor 1 (or --all)']);
});

it("shows the server's 400 and exits 1", async () => {
  const { code, out, err } = await run('--ref', 'nope');
  expect(code).toBe(1);
  expect(out).toEqual([]);
  expect(err).toEqual(['error (400): clientReference: "nope" is refused here']);
});

it.each([
  [['--final', 'yes'], '--final must be true or false, got "yes"'],
  [['--limit', '1001'], '--limit must be 1 to 1000, got 1001'],
  [['--error-code', '3000x'], '--error-code must be a whole number, got "3000x"'],
  [['--since', 'yesterday'], '--since wants an ISO 8601 time'],
  [['--tag', 'spring'], '--tag wants KEY=VALUE, got "spring"'],
  [['--service', 'MG123'], '--service must be MG followed by 32 hex characters'],
  [['--json', '--csv'], 'give --json or --csv, not both'],
  [['--stauts', 'failed'], 'unknown option --stauts for messages; did you mean --status?'],
  // Checked by the list API's own parser before any request, named by the option.
  [['--status', 'faild'], '--status: "faild" is not a status of the lifecycle; did you mean "failed"?'],
  [['--status', 'delivered,sent,undelivred'], 'did you mean "undelivered"?'],
  [['--to', '+14155551234\t'], '--to: "to" must be non-empty text without control characters'],
  [['--since', '2026-02-30'], '--since wants an ISO 8601 time'],
  [['--until', '2026-13-01T00:00:00Z'], '--until wants an ISO 8601 time'],
  [['--region', 'eu-west-1'], '--region goes with --stack NAME'],
])('refuses %j before asking the server (exit 2)', async (args, message) => {
  api.requests.length = 0;
  const { code, err } = await run(...args);
  expect(code).toBe(2);
  expect(err[0]).toContain(message);
  expect(err[1]).toBe('see: npm run messages -- --help');
  expect(api.requests).toHaveLength(0);
});

it('gives up on a server that never answers, naming the URL and the wait (TRACKER_TIMEOUT)', async () => {
  const silent = await startStandIn(() => undefined);
  process.env.TRACKER_TIMEOUT = '0.3';
  try {
    const captured = captureIo();
    expect(await runCli(['messages', '--url', silent.url], captured.io)).toBe(1);
    expect(captured.err).toEqual([
      expect.stringMatching(
        /^error: cannot reach http:\/\/127\.0\.0\.1:\d+\/messages \(no answer within 0\.3 s\)/,
      ),
    ]);
    process.env.TRACKER_TIMEOUT = 'soon';
    const typo = captureIo();
    expect(await runCli(['messages', '--url', silent.url], typo.io)).toBe(2);
    expect(typo.err[0]).toBe('error: TRACKER_TIMEOUT must be a number of seconds above 0, got "soon"');
  } finally {
    delete process.env.TRACKER_TIMEOUT;
    await silent.close();
  }
});
