/**
 * docs/operations.md (and the history page's alarm table) describe what `npx cdk synth` of the ready-made
 * app builds with its defaults: one row per alarm, and the idle-cost table's counts and prices. Both are
 * checked against the synthesised template, so adding an alarm without its row or its price fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthStack } from './stack-fixture';

const ROOT = join(__dirname, '..', '..');

interface Resource {
  Type: string;
  Properties: { Metrics?: { MetricStat?: unknown }[] };
}

const { template } = synthStack();
const resources = template.toJSON().Resources as Record<string, Resource>;
const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
const countOf = (type: string) => Object.values(resources).filter((r) => r.Type === type).length;
/** Metrics an alarm reads: CloudWatch bills per alarm metric, and a metric-math alarm reads several. */
const metricsOf = (r: Resource) =>
  (r.Properties.Metrics ?? [{ MetricStat: {} }]).filter((m) => m.MetricStat).length;

/** The rows of the first Markdown table after `heading` whose header starts with `| first `. */
function table(page: string, first: string, after = ''): string[][] {
  const text = readFileSync(join(ROOT, 'docs', page), 'utf8');
  const lines = text.slice(text.indexOf(after)).split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${first}\\s+\\|`).test(line));
  if (start < 0) throw new Error(`no table starting with "${first}" in docs/${page}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** "send dead letters" -> "SendDeadLetters", the id the alarm's logical ID is made from. */
const pascal = (words: string) =>
  words
    .split(/\s+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** The alarm's construct id under its owner (`TrackerOperations<Id>Hash` -> `<Id>`). */
const alarmIds = (owner: string) =>
  alarms
    .map(([id]) => new RegExp(`^Tracker${owner}(.+)[0-9A-F]{8}$`).exec(id)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();

it('the template has the alarms the two alarm tables list, one row each', () => {
  expect(alarms.length).toBeGreaterThan(10);
  const operations = table('operations.md', 'alarm').map(([name]) => pascal(name ?? '').toLowerCase());
  const history = table('history.md', 'alarm')
    .map(([name]) => pascal(name ?? '').toLowerCase())
    .map((name) => name.replace(/^history/, ''));
  expect(operations.sort()).toEqual(alarmIds('Operations').map((id) => id.toLowerCase()));
  expect(history.sort()).toEqual(alarmIds('History').map((id) => id.toLowerCase()));
  expect(operations.length + history.length).toBe(alarms.length);
  const page = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
  expect(page).toContain(`History adds ${words[history.length] ?? history.length} alarms of its own`);
});

describe("the idle-cost table matches the template's counts", () => {
  const rows = table('operations.md', 'item', '## What it costs with no traffic');
  const row = (item: string) => {
    const found = rows.find(([name]) => name?.startsWith(item));
    if (!found) throw new Error(`no idle-cost row "${item}"`);
    return { inTemplate: found[1] ?? '', perMonth: Number((found[3] ?? '').replace(/[$*]/g, '')) };
  };

  it('alarms: how many, on how many metrics, and their price', () => {
    const { inTemplate, perMonth } = row('CloudWatch alarms');
    const single = alarms.filter(([, r]) => r.Properties.Metrics === undefined).length;
    const math = alarms.filter(([, r]) => r.Properties.Metrics !== undefined).map(([, r]) => metricsOf(r));
    const metrics = alarms.reduce((sum, [, r]) => sum + metricsOf(r), 0);
    expect(math).toEqual([5, 2]);
    expect(inTemplate).toBe(
      `${alarms.length} \`AWS::CloudWatch::Alarm\`: ${single} on one metric each, ${math.length} metric math (failure rate over ${math[0]} metrics, delivery rate over ${math[1]}) = ${metrics} alarm metrics`,
    );
    expect(perMonth).toBeCloseTo(metrics * 0.1, 5);
  });

  it.each([
    ['CloudWatch dashboard', 'AWS::CloudWatch::Dashboard'],
    ['KMS customer managed key', 'AWS::KMS::Key'],
    ['Secrets Manager secret', 'AWS::SecretsManager::Secret'],
  ])('%s: the count of %s', (item, type) => {
    expect(row(item).inTemplate).toMatch(new RegExp(`^${countOf(type)} \`${type}\``));
  });

  it('the total is the sum of the rows', () => {
    const total = row('**total**').perMonth;
    const sum = rows
      .filter(([name]) => !name?.startsWith('**'))
      .reduce((s, r) => s + Number((r[3] ?? '').slice(1)), 0);
    expect(total).toBeCloseTo(sum, 5);
  });
});
