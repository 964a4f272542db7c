import { backoffMs } from '../../../lambda/domain/backoff';
import { publicOriginOf } from '../../../lambda/domain/contract';

describe('backoffMs', () => {
  const policy = { baseMs: 250, maxMs: 4000 };

  it('doubles the ceiling per attempt up to the maximum, with full jitter below it', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, policy, { random: top }))).toEqual([
      249, 499, 999, 1999, 3999, 3999,
    ]);
    expect(backoffMs(3, policy, { random: () => 0 })).toBe(0);
  });

  it("never waits less than the server's Retry-After", () => {
    expect(backoffMs(1, policy, { random: () => 0.5, retryAfterSeconds: 3 })).toBe(3000);
    expect(backoffMs(6, policy, { random: () => 0.999999, retryAfterSeconds: 1 })).toBe(3999);
  });
});

describe('publicOriginOf', () => {
  it.each([
    ['https://Hooks.Example.com/', { ok: true, origin: 'https://hooks.example.com' }],
    ['https://hooks.example.com:8443', { ok: true, origin: 'https://hooks.example.com:8443' }],
    ['hooks.example.com', { ok: false, problem: 'not-a-url' }],
    ['http://hooks.example.com', { ok: false, problem: 'scheme' }],
    ['https://hooks.example.com/twilio', { ok: false, problem: 'not-an-origin' }],
    ['https://hooks.example.com/?a=1', { ok: false, problem: 'not-an-origin' }],
    ['https://hooks.example.com#rc=5', { ok: false, problem: 'not-an-origin' }],
    ['https://u:p@hooks.example.com', { ok: false, problem: 'credentials' }],
  ])('%s', (value, expected) => expect(publicOriginOf(value)).toEqual(expected));

  it('takes http only where asked (local tunnels)', () => {
    expect(publicOriginOf('http://127.0.0.1:3000', { allowHttp: true })).toEqual({
      ok: true,
      origin: 'http://127.0.0.1:3000',
    });
  });
});
