import type { StatusChangeEvent } from '../../lambda/domain/status-event';
import { publishStatusEvents } from '../../lambda/use-cases/publish-status-events';
import type { ChangeRecord, EventPublisher } from '../../lambda/use-cases/ports';

const SID = (n: number) => `SM${String(n).padStart(32, '0')}`;

function change(id: string, sid: string, before?: [string, number], after?: [string, number]): ChangeRecord {
  const image = (s?: [string, number]) =>
    s && {
      messageSid: sid,
      status: s[0],
      statusRank: s[1],
      final: s[1] >= 5,
      [`statusAt_${s[0]}`]: '2026-11-30T10:00:00.000Z',
    };
  return { id, images: () => ({ before: image(before), after: image(after) }) };
}

/** An EventBridge stand-in that takes `maxBatch` at a time and refuses the entries `refuse` picks. */
function publisher(refuse: (event: StatusChangeEvent, call: number) => boolean = () => false) {
  const accepted: StatusChangeEvent[] = [];
  let calls = 0;
  const port: EventPublisher = {
    maxBatch: 3,
    async put(events) {
      calls++;
      const failed: number[] = [];
      events.forEach((event, index) => (refuse(event, calls) ? failed.push(index) : accepted.push(event)));
      return { failed };
    },
  };
  return { port, accepted, calls: () => calls };
}

const quiet = { warn: () => undefined, error: () => undefined };
const noWait = async () => undefined;

describe('publishStatusEvents', () => {
  it('publishes one event per status change, in record order, one per message a chunk, skipping the rest', async () => {
    const target = publisher();
    const records = [
      change('1', SID(1), undefined, ['queued', 1]),
      change('2', SID(1), ['queued', 1], ['sent', 3]),
      change('3', SID(1), ['sent', 3], ['sent', 3]), // a late status time: no change
      change('4', SID(2), undefined, ['accepted', 0]),
      change('5', SID(1), ['sent', 3], ['delivered', 6]),
      change('6', SID(1), ['delivered', 6], undefined), // TTL removal
    ];
    const report = await publishStatusEvents(records, {
      publisher: target.port,
      logger: quiet,
      sleep: noWait,
    });
    expect(report).toEqual({ published: 4, skipped: 2 });
    expect(target.accepted.map((e) => e.detail.eventId)).toEqual([
      `${SID(1)}:queued`,
      `${SID(1)}:sent`,
      `${SID(2)}:accepted`,
      `${SID(1)}:delivered`,
    ]);
    // [queued 1], [sent 1, accepted 2], [delivered 1]: a message's next event waits for the one before it.
    expect(target.calls()).toBe(3);
  });

  it('retries only the entries refused, and loses none', async () => {
    const target = publisher((event, call) => call === 1 && event.detail.status === 'sent');
    const records = [
      change('1', SID(1), undefined, ['queued', 1]),
      change('2', SID(1), ['queued', 1], ['sent', 3]),
    ];
    const report = await publishStatusEvents(records, {
      publisher: target.port,
      logger: quiet,
      sleep: noWait,
    });
    expect(report).toEqual({ published: 2, skipped: 0 });
    expect(target.accepted.map((e) => e.detail.status)).toEqual(['queued', 'sent']);
  });

  it('names the first record still refused after the retries, and publishes nothing after it', async () => {
    const target = publisher((event) => event.detail.messageSid === SID(2));
    const records = [
      change('10', SID(1), undefined, ['queued', 1]),
      change('11', SID(2), undefined, ['queued', 1]),
      change('12', SID(1), ['queued', 1], ['sent', 3]),
      change('13', SID(3), undefined, ['queued', 1]),
      change('14', SID(3), ['queued', 1], ['sent', 3]),
    ];
    const report = await publishStatusEvents(records, {
      publisher: target.port,
      logger: quiet,
      sleep: noWait,
      maxAttempts: 3,
    });
    expect(report.failedAt).toBe('11');
    // Only what came before it went out; SID(1)'s `sent` waited for the next chunk, which never came.
    expect(target.accepted.map((e) => e.detail.eventId)).toEqual([`${SID(1)}:queued`]);
  });

  it('stops at a record it cannot read, after publishing what came before it', async () => {
    const target = publisher();
    const unreadable: ChangeRecord = {
      id: '21',
      images: () => {
        throw new Error('not an attribute value');
      },
    };
    const records = [
      change('20', SID(1), undefined, ['queued', 1]),
      unreadable,
      change('22', SID(2), undefined, ['queued', 1]),
    ];
    const report = await publishStatusEvents(records, {
      publisher: target.port,
      logger: quiet,
      sleep: noWait,
    });
    expect(report).toEqual({ published: 1, skipped: 0, failedAt: '21' });
    expect(target.accepted.map((e) => e.detail.messageSid)).toEqual([SID(1)]);
  });
});
