import { statusChangeOf } from '../../../lambda/domain/status-event';

const SID = 'SM0123456789abcdef0123456789abcdef';

/** An item as the store keeps it (per-status times as top-level attributes). */
function item(status: string | undefined, rank: number | undefined, extra: Record<string, unknown> = {}) {
  return {
    messageSid: SID,
    ...(status === undefined ? {} : { status, statusRank: rank }),
    final: rank !== undefined && rank >= 5,
    statusAt_queued: '2026-11-30T10:00:00.000Z',
    ...extra,
  };
}

describe('statusChangeOf', () => {
  it('gives the first status of a new message, with no previous status', () => {
    const event = statusChangeOf(undefined, item('queued', 1, { to: '+14155550100', source: 'send' }));
    expect(event).toMatchObject({
      source: 'twilio-status-tracker',
      detailType: 'Message Status Changed',
      detail: {
        eventId: `${SID}:queued`,
        status: 'queued',
        previousStatus: null,
        statusRank: 1,
        final: false,
        at: '2026-11-30T10:00:00.000Z',
        to: '+14155550100',
        source: 'send',
        tags: {},
        errorCode: null,
        statusTimes: { queued: '2026-11-30T10:00:00.000Z' },
      },
    });
  });

  it('gives one event for a jump, naming the status it jumped from', () => {
    const delivered = item('delivered', 6, { statusAt_delivered: '2026-11-30T10:00:05.000Z' });
    const event = statusChangeOf(item('queued', 1), delivered);
    expect(event?.detail).toMatchObject({
      eventId: `${SID}:delivered`,
      status: 'delivered',
      previousStatus: 'queued',
      final: true,
      at: '2026-11-30T10:00:05.000Z',
    });
  });

  it('gives nothing for a write that leaves the rank where it was (late status time, filled error code)', () => {
    const before = item('failed', 5);
    expect(statusChangeOf(before, { ...before, statusAt_sent: '2026-11-30T10:00:01.000Z' })).toBeUndefined();
    expect(statusChangeOf(before, { ...before, errorCode: 30007 })).toBeUndefined();
  });

  it('gives nothing for a removal (TTL) or an item without a known status', () => {
    expect(statusChangeOf(item('sent', 3), undefined)).toBeUndefined();
    expect(
      statusChangeOf(undefined, item(undefined, undefined, { statusAt_teleported: 'x' })),
    ).toBeUndefined();
  });

  it('carries tags and error fields', () => {
    const event = statusChangeOf(
      item('sent', 3),
      item('undelivered', 5, {
        errorCode: 30003,
        errorMessage: 'Unreachable destination handset',
        // Stored one attribute per tag (domain/tags.ts); the event carries them as one map.
        tag_tenant: 'acme',
      }),
    );
    expect(event?.detail).toMatchObject({
      errorCode: 30003,
      tags: { tenant: 'acme' },
      previousStatus: 'sent',
    });
  });
});
