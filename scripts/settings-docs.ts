/**
 * `npm run docs:settings`: writes the three settings tables of docs/configuration.md (construct props,
 * context keys, context keys that become another prop) from the settings table, lib/setting-table.ts.
 * test/infra/setting-table.test.ts fails when the page and the table disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  SETTING_NAMES,
  TRACKER_SETTINGS,
  contextKeyOf,
  type Setting,
  type SettingName,
} from '../lib/setting-table';

export const CONFIGURATION_PAGE = path.join(__dirname, '..', 'docs', 'configuration.md');

const setting = (name: SettingName): Setting => TRACKER_SETTINGS[name];

function defaultCell(name: SettingName): string {
  const { default: value, defaultCode, defaultText } = setting(name);
  return value === undefined ? (defaultText ?? '') : `\`${defaultCode ?? String(value)}\``;
}

function rangeCell(name: SettingName): string {
  const { min, max, range } = setting(name);
  const bounds = min === undefined ? undefined : max === undefined ? `>= ${min}` : `${min} to ${max}`;
  return [bounds, range].filter((part) => part !== undefined).join(', ');
}

/** The header and rows of each table, in the table's order. */
export function settingTables(): Record<'props' | 'context' | 'becomes', string[][]> {
  const withContext = SETTING_NAMES.filter((name) => setting(name).context !== undefined);
  return {
    props: [
      ['prop', 'default', 'range', 'meaning'],
      ...SETTING_NAMES.map((name) => [`\`${name}\``, defaultCell(name), rangeCell(name), setting(name).doc]),
    ],
    context: [
      ['key', 'default', 'meaning'],
      ...withContext.map((name) => {
        const context = setting(name).context!;
        return [
          `\`${contextKeyOf(name)}\``,
          context.default ?? defaultCell(name),
          context.doc ?? setting(name).doc,
        ];
      }),
    ],
    becomes: [
      ['context key', 'construct prop'],
      ...withContext
        .filter((name) => setting(name).context!.becomes !== undefined)
        .map((name) => [`\`${contextKeyOf(name)}\``, setting(name).context!.becomes!]),
    ],
  };
}

function markdown(rows: string[][]): string {
  const [header = [], ...body] = rows;
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

/** The line a table whose header starts with `first` starts at, or -1. */
export function tableStart(lines: readonly string[], first: string): number {
  return lines.findIndex((line) => new RegExp(`^\\|\\s*${first}\\s+\\|`).test(line));
}

/** The page with each table (found by its header's first cell) replaced by the rendered one. */
export async function renderPage(page: string): Promise<string> {
  const tables = settingTables();
  const lines = page.split('\n');
  for (const rows of Object.values(tables)) {
    const first = rows[0]![0]!;
    const start = tableStart(lines, first);
    if (start < 0) throw new Error(`docs/configuration.md has no table starting with "${first}"`);
    let end = start;
    while (lines[end + 1]?.startsWith('|')) end += 1;
    lines.splice(start, end - start + 1, markdown(rows));
  }
  // Prettier loads as an ES module, which Jest (this module is tested) cannot import statically.
  const { format, resolveConfig } = await import('prettier');
  const options = await resolveConfig(CONFIGURATION_PAGE);
  return format(lines.join('\n'), { ...options, parser: 'markdown', filepath: CONFIGURATION_PAGE });
}

if (require.main === module) {
  void (async () => {
    const page = readFileSync(CONFIGURATION_PAGE, 'utf8');
    writeFileSync(CONFIGURATION_PAGE, await renderPage(page));
    console.log('wrote the settings tables of docs/configuration.md');
  })();
}
