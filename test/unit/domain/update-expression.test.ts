/**
 * The UpdateExpression builder on its own: every name and value goes through a placeholder (so reserved
 * words such as `status` never reach DynamoDB bare), a name used twice keeps one placeholder, and the
 * clauses come out in the order DynamoDB reads them.
 */
import { UpdateExpressionBuilder } from '../../../lambda/domain/update-expression';

it('puts every attribute and value behind a placeholder, one per name', () => {
  const expr = new UpdateExpressionBuilder();
  expr.set('status', 'delivered');
  expr.set('status', 'read');
  const plan = expr.build('SM1', { condition: 'attribute_exists(#a0)', returnPrevious: true });
  expect(plan.updateExpression).toBe('SET #a0 = :v0, #a0 = :v1');
  expect(plan.names).toEqual({ '#a0': 'status' });
  expect(plan.values).toEqual({ ':v0': 'delivered', ':v1': 'read' });
  expect(plan).toMatchObject({ messageSid: 'SM1', conditionExpression: 'attribute_exists(#a0)' });
  expect(plan.returnPrevious).toBe(true);
});

it('writes SET, REMOVE and ADD clauses in that order, leaving out the empty ones', () => {
  const expr = new UpdateExpressionBuilder();
  expr.add('callbackCount', 1);
  expr.remove('errorCode');
  expr.setIfNotExists('sentAt', '2026-12-06T10:00:00.000Z');
  expr.copyIfNotExists('failureBucket', 'timeBucket', '2026-12-06#3');
  const plan = expr.build('SM1', { condition: 'x', returnPrevious: false });
  expect(plan.updateExpression).toBe(
    'SET #a2 = if_not_exists(#a2, :v1), #a3 = if_not_exists(#a4, :v2) REMOVE #a1 ADD #a0 :v0',
  );
  expect(plan.names).toEqual({
    '#a0': 'callbackCount',
    '#a1': 'errorCode',
    '#a2': 'sentAt',
    '#a3': 'failureBucket',
    '#a4': 'timeBucket',
  });
  expect(plan.values).toEqual({ ':v0': 1, ':v1': '2026-12-06T10:00:00.000Z', ':v2': '2026-12-06#3' });

  const onlyRemove = new UpdateExpressionBuilder();
  onlyRemove.remove('pendingShard');
  expect(onlyRemove.build('SM1', { condition: 'x', returnPrevious: false }).updateExpression).toBe(
    'REMOVE #a0',
  );
});

it('names and values used only in the condition are declared too', () => {
  const expr = new UpdateExpressionBuilder();
  expr.set('updatedAt', 't');
  const rank = expr.name('statusRank');
  const condition = `attribute_not_exists(${rank}) OR ${rank} < ${expr.value(4)}`;
  const plan = expr.build('SM1', { condition, returnPrevious: false });
  expect(plan.conditionExpression).toBe('attribute_not_exists(#a1) OR #a1 < :v1');
  expect(plan.names['#a1']).toBe('statusRank');
  expect(plan.values[':v1']).toBe(4);
});
