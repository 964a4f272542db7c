/** The EMF documents the callback Lambda prints, as CloudWatch would ingest them. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { recordCallbackMetrics } from '../../lambda/adapters/primary/callback-metrics';
import type { CallbackResult } from '../../lambda/adapters/primary/status-callback-endpoint';

type Emf = Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } };

function emitted(results: CallbackResult[]): Emf[] {
  // In dev mode Powertools writes through the global console (and would be disabled unless told not to).
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'status-callback' });
    for (const result of results) recordCallbackMetrics(metrics, result);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  } finally {
    spy.mockRestore();
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  }
  return lines.map((line) => JSON.parse(line) as Emf);
}

const base = {
  messageSid: 'SM00000000000000000000000000000001',
  observedAt: '2026-11-23T10:00:05.000Z',
  source: 'callback' as const,
};

describe('callback metrics', () => {
  it('counts a delivered message once, with its latency from sent', () => {
    const docs = emitted([
      {
        kind: 'applied',
        observation: { ...base, status: 'delivered' },
        result: {
          outcome: 'advanced',
          requests: 1,
          previous: { final: false, statusAt_sent: '2026-11-23T10:00:01.000Z' },
        },
      },
    ]);
    const all = Object.assign({}, ...docs) as Record<string, unknown>;
    expect(docs.find((d) => d.Callbacks === 1)?.status).toBe('delivered');
    expect(docs.find((d) => d.MessagesFinal === 1)?.status).toBe('delivered');
    expect(all.SentToDeliveredLatency).toBe(4000);
  });

  it("counts a callback for another account's message as AccountMismatch, not as a bad signature", () => {
    const docs = emitted([
      {
        kind: 'rejected',
        statusCode: 403,
        reason: 'message belongs to another account',
        accountMismatch: true,
      },
    ]);
    const all = Object.assign({}, ...docs) as Record<string, unknown>;
    expect(all.AccountMismatch).toBe(1);
    expect(all.SignatureRejections).toBeUndefined();
  });

  it('reports error codes of failures as a dimension', () => {
    const docs = emitted([
      {
        kind: 'applied',
        observation: { ...base, status: 'undelivered', errorCode: 30003 },
        result: { outcome: 'advanced', requests: 1 },
      },
    ]);
    expect(docs.find((d) => d.DeliveryErrors === 1)?.errorCode).toBe('30003');
  });

  it('does not count a message as final twice (read after delivered)', () => {
    const docs = emitted([
      {
        kind: 'applied',
        observation: { ...base, status: 'read' },
        result: { outcome: 'advanced', requests: 1, previous: { final: true, status: 'delivered' } },
      },
    ]);
    expect(docs.some((d) => 'MessagesFinal' in d)).toBe(false);
  });

  it('counts absorbed stale and duplicate callbacks, signature rejections and 503s', () => {
    const docs = emitted([
      {
        kind: 'applied',
        observation: { ...base, status: 'sent' },
        result: { outcome: 'stale', requests: 2 },
      },
      {
        kind: 'applied',
        observation: { ...base, status: 'sent' },
        result: { outcome: 'duplicate', requests: 1 },
      },
      { kind: 'rejected', statusCode: 403, reason: 'bad signature' },
      { kind: 'rejected', statusCode: 415, reason: 'json' },
      { kind: 'unavailable', reason: 'StoreUnavailableError' },
    ]);
    const all = Object.assign({}, ...docs) as Record<string, unknown>;
    expect(all).toMatchObject({
      StaleCallbacks: 1,
      DuplicateCallbacks: 1,
      SignatureRejections: 1,
      CallbackRejections: 1,
      CallbacksUnavailable: 1,
    });
  });

  it('reports statuses outside the lifecycle as "other" to keep dimensions bounded', () => {
    const docs = emitted([
      {
        kind: 'applied',
        observation: { ...base, status: 'teleported' },
        result: { outcome: 'stale', requests: 1 },
      },
    ]);
    expect(docs.find((d) => d.Callbacks === 1)?.status).toBe('other');
  });
});
