/**
 * The index keys and tags one write carries (lambda/domain/index-keys.ts), read from the UpdateExpression
 * the builder makes: `createdAt` and its `byTime` partition agree, a failure sits in its message's day,
 * a callback's tags never overwrite, the sender's do, and the backfill's keys match what writes set.
 */
import { timeBucketOf } from '../../../lambda/domain/contract';
import {
  FAILURE_BUCKET,
  indexKeysOf,
  moveFailureBucket,
  recordTags,
  setCreatedAt,
  setFailureBucket,
  TIME_BUCKET,
} from '../../../lambda/domain/index-keys';
import type { StatusObservation } from '../../../lambda/domain/observation';
import { tagAttribute } from '../../../lambda/domain/tags';
import { UpdateExpressionBuilder, type UpdatePlan } from '../../../lambda/domain/update-expression';

const SID = `SM${'ab'.repeat(16)}`;
const CREATED = '2026-12-01T23:59:59.000Z';
const OBSERVED = '2026-12-02T00:00:05.000Z';

const observation = (fields: Partial<StatusObservation>): StatusObservation => ({
  messageSid: SID,
  status: 'sent',
  observedAt: OBSERVED,
  source: 'callback',
  ...fields,
});

/** `attribute -> what the write does with it`, with placeholders replaced by names and values. */
function writes(build: (expr: UpdateExpressionBuilder) => void): Record<string, string> {
  const expr = new UpdateExpressionBuilder();
  build(expr);
  const plan: UpdatePlan = expr.build(SID, { condition: 'c', returnPrevious: false });
  const readable = (text: string) =>
    text
      .replace(/#a\d+/g, (name) => plan.names[name]!)
      .replace(/:v\d+/g, (value) => JSON.stringify(plan.values[value]));
  const actions: Record<string, string> = {};
  const [, sets = '', removes = ''] = /^(?:SET (.*?))?(?: ?REMOVE (.*?))?(?: ?ADD .*)?$/.exec(
    plan.updateExpression,
  )!;
  for (const clause of sets ? sets.split(/, (?=#a)/) : []) {
    const [name, value] = clause.split(' = ');
    actions[readable(name!)] = readable(value!);
  }
  for (const name of removes ? removes.split(', ') : []) actions[readable(name)] = 'REMOVE';
  return actions;
}

describe('setCreatedAt', () => {
  it("sets Twilio's creation time and the partition of that day together", () => {
    expect(writes((expr) => setCreatedAt(expr, observation({ createdAt: CREATED })))).toEqual({
      createdAt: JSON.stringify(CREATED),
      [TIME_BUCKET]: JSON.stringify(timeBucketOf(SID, CREATED)),
    });
  });

  it('keeps a stored creation time when the observation has none, guessing from when it was seen', () => {
    expect(writes((expr) => setCreatedAt(expr, observation({})))).toEqual({
      createdAt: `if_not_exists(createdAt, ${JSON.stringify(OBSERVED)})`,
      [TIME_BUCKET]: `if_not_exists(${TIME_BUCKET}, ${JSON.stringify(timeBucketOf(SID, OBSERVED))})`,
    });
  });
});

describe('setFailureBucket', () => {
  it('takes a message off the failures index unless it failed', () => {
    expect(writes((expr) => setFailureBucket(expr, observation({ status: 'delivered' })))).toEqual({
      [FAILURE_BUCKET]: 'REMOVE',
    });
  });

  it("puts a failure in the partition of its message's day, copied from the item when unknown here", () => {
    expect(
      writes((expr) => setFailureBucket(expr, observation({ status: 'failed', createdAt: CREATED }))),
    ).toEqual({
      [FAILURE_BUCKET]: JSON.stringify(timeBucketOf(SID, CREATED)),
    });
    expect(writes((expr) => setFailureBucket(expr, observation({ status: 'undelivered' })))).toEqual({
      [FAILURE_BUCKET]: `if_not_exists(${TIME_BUCKET}, ${JSON.stringify(timeBucketOf(SID, OBSERVED))})`,
    });
  });
});

describe('moveFailureBucket', () => {
  it('moves an indexed failure to the day Twilio says the message began, and nothing else', () => {
    const indexed = { [FAILURE_BUCKET]: timeBucketOf(SID, OBSERVED) };
    expect(writes((expr) => moveFailureBucket(expr, observation({ createdAt: CREATED }), indexed))).toEqual({
      [FAILURE_BUCKET]: JSON.stringify(timeBucketOf(SID, CREATED)),
    });
    expect(writes((expr) => moveFailureBucket(expr, observation({ createdAt: CREATED }), {}))).toEqual({});
    expect(writes((expr) => moveFailureBucket(expr, observation({}), indexed))).toEqual({});
  });
});

describe('recordTags', () => {
  const tags = { campaign: 'spring', region: 'eu' };

  it("fills a callback URL's tags only where the item has none, and says what that teaches", () => {
    const teaches: string[] = [];
    const stored = { [tagAttribute('campaign')]: 'winter' };
    const actions = writes((expr) => {
      recordTags(expr, observation({ tags }), stored, teaches);
      teaches.splice(0, teaches.length, ...teaches.map((t) => t.replace(/#a\d+/g, 'NAME')));
    });
    expect(actions).toEqual({ [tagAttribute('region')]: `if_not_exists(${tagAttribute('region')}, "eu")` });
    expect(teaches).toEqual(['attribute_not_exists(NAME)']);
  });

  it("sets the sender's tags as given, skipping those already stored with the same value", () => {
    const stored = { [tagAttribute('campaign')]: 'spring', [tagAttribute('region')]: 'us' };
    expect(writes((expr) => recordTags(expr, observation({ source: 'send', tags }), stored))).toEqual({
      [tagAttribute('region')]: '"eu"',
    });
  });

  it('writes every tag when the item is not known (a write that moves the status)', () => {
    expect(writes((expr) => recordTags(expr, observation({ tags }), undefined))).toEqual({
      [tagAttribute('campaign')]: `if_not_exists(${tagAttribute('campaign')}, "spring")`,
      [tagAttribute('region')]: `if_not_exists(${tagAttribute('region')}, "eu")`,
    });
  });
});

describe('indexKeysOf (the backfill)', () => {
  it('gives the keys the writes above set: a time bucket always, a failure bucket for failures', () => {
    expect(indexKeysOf({ messageSid: SID, createdAt: CREATED, status: 'delivered' })).toEqual({
      timeBucket: timeBucketOf(SID, CREATED),
    });
    expect(indexKeysOf({ messageSid: SID, createdAt: CREATED, status: 'canceled' })).toEqual({
      timeBucket: timeBucketOf(SID, CREATED),
      failureBucket: timeBucketOf(SID, CREATED),
    });
    expect(indexKeysOf({ messageSid: SID, status: 'failed' })).toEqual({});
  });
});
