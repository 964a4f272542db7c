/**
 * `npm run cli -- dead-numbers [list] | clear <number>`: the recipients recorded as dead numbers
 * (`GET /dead-numbers`, every page) and clearing one (`DELETE /dead-numbers/{number}`), so sends to it
 * go through again. Full numbers, as the API answers them.
 */
import { closestName } from '../../lambda/domain/closest-name';
import { deadNumberPath, DEAD_NUMBERS_PATH, type DeadNumber } from '../../lambda/domain/dead-numbers';
import { UsageError } from './errors';
import { defineCommand, TARGET_OPTIONS } from './options';
import { describeErrorAnswer, readJson, withTracker } from './tracker';

const ACTIONS = ['list', 'clear'];

export const deadNumbers = defineCommand(
  {
    name: 'dead-numbers',
    usage: '[list | clear <number>] [options]',
    summary: 'List the recipients recorded as dead numbers, or clear one so it can be sent to again.',
    options: {
      json: { type: 'boolean', help: 'print the dead numbers as JSON' },
      ...TARGET_OPTIONS,
    },
    positionals: 2,
    examples: ['npm run cli -- dead-numbers', 'npm run cli -- dead-numbers clear +14155550100'],
  },
  async ({ values, positionals }, io) => {
    const [action = 'list', number] = positionals;
    if (!ACTIONS.includes(action)) {
      const guess = closestName(action, ACTIONS);
      throw new UsageError(`unknown action "${action}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    if (action === 'clear') {
      if (!number) throw new UsageError('give the number to clear: dead-numbers clear +14155550100');
      const { response, body } = await withTracker(values, async (tracker) => {
        const answer = await tracker.delete(deadNumberPath(number));
        return { response: answer, body: await readJson(answer) };
      });
      if (!response.ok) {
        io.err(
          `${response.status === 404 ? 'not found' : `error (${response.status})`}: ${describeErrorAnswer(body)}`,
        );
        return 1;
      }
      io.out(`cleared ${number}`);
      return 0;
    }
    if (number !== undefined) throw new UsageError(`"list" takes no number (got "${number}")`);
    const all: DeadNumber[] = [];
    const failure = await withTracker(values, async (tracker) => {
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`;
        const response = await tracker.get(`${DEAD_NUMBERS_PATH}${query}`);
        const body = await readJson(response);
        if (!response.ok) return `error (${response.status}): ${describeErrorAnswer(body)}`;
        all.push(...((body.deadNumbers as DeadNumber[] | undefined) ?? []));
        cursor = typeof body.nextCursor === 'string' ? body.nextCursor : null;
      } while (cursor !== null);
      return undefined;
    });
    if (failure) {
      io.err(failure);
      return 1;
    }
    if (values.json) io.out(JSON.stringify(all, null, 2));
    else if (all.length === 0) io.out('no dead numbers');
    else
      for (const dead of all)
        io.out(`${dead.recipient}  ${dead.reason}: ${dead.reasonMessage}  since ${dead.deadSince}`);
    return 0;
  },
);
