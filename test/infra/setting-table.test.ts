/**
 * The settings table (lib/setting-table.ts) is where each setting is written once. What cannot be
 * derived from it is checked against it here: the props' doc comments (their `@default` and type), the
 * tables of docs/configuration.md, the context keys the ready-made app reads, and the ranges and
 * defaults the construct applies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { CONTEXT_KEY_NAMES, ConfigError, readAppConfig } from '../../lib/config';
import {
  SETTING_NAMES,
  TRACKER_SETTINGS,
  contextKeyOf,
  defaultDoc,
  type Setting,
  type SettingName,
} from '../../lib/setting-table';
import { TRACKER_DEFAULTS, type StatusTrackerProps } from '../../lib/tracker-props';
import { resolveTrackerSettings } from '../../lib/tracker-settings';
import { CONFIGURATION_PAGE, settingTables, tableStart } from '../../scripts/settings-docs';
import { CONTEXT_SAMPLES } from '../support/context-samples';

const ROOT = join(__dirname, '..', '..');
const setting = (name: SettingName): Setting => TRACKER_SETTINGS[name];

interface DocumentedProp {
  name: string;
  type: string;
  comment: string;
  defaultTag?: string;
}

/** The members of StatusTrackerProps as the compiler reads them: name, type, comment, `@default`. */
function documentedProps(): DocumentedProp[] {
  const file = join(ROOT, 'lib', 'tracker-props.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const props = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'StatusTrackerProps',
  );
  if (!props) throw new Error('no StatusTrackerProps in lib/tracker-props.ts');
  return props.members.filter(ts.isPropertySignature).map((member) => {
    const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
    const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
    return {
      name: member.name.getText(source),
      type: member.type?.getText(source) ?? '',
      comment: docs
        .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
        .join('\n')
        .trim(),
      defaultTag: tag && (ts.getTextOfJSDocComment(tag.comment) ?? '').replace(/\s+/g, ' ').trim(),
    };
  });
}

describe("the props' doc comments", () => {
  const props = documentedProps();

  it('name exactly the settings of the table', () => {
    expect(props.map((p) => p.name).sort()).toEqual([...SETTING_NAMES].sort());
  });

  it.each(props.map((p) => [p.name, p] as const))(
    '%s: has a comment, its type and its @default',
    (name, prop) => {
      const expected = setting(name as SettingName);
      expect(prop.comment.length).toBeGreaterThan(20);
      expect(prop.type).toBe(expected.type);
      const documented = defaultDoc(name as SettingName);
      // A value may be followed by a note in parentheses: `10000000000 (10 GB, ...)`.
      expect(prop.defaultTag === documented || prop.defaultTag?.startsWith(`${documented} (`)).toBe(true);
    },
  );
});

it('docs/configuration.md shows the tables the settings table gives (npm run docs:settings)', () => {
  const lines = readFileSync(CONFIGURATION_PAGE, 'utf8').split('\n');
  for (const rows of Object.values(settingTables())) {
    const start = tableStart(lines, rows[0]![0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    const found: string[][] = [];
    for (let i = start; lines[i]?.startsWith('|'); i += 1) {
      if (i !== start + 1)
        found.push(
          lines[i]!.slice(1, -1)
            .split(' | ')
            .map((cell) => cell.trim()),
        );
    }
    expect(found).toEqual(rows);
  }
});

describe('the construct applies the table', () => {
  it('TRACKER_DEFAULTS holds the default of every setting that has a value, and only those', () => {
    const withValue = SETTING_NAMES.filter((name) => setting(name).default !== undefined);
    expect(Object.keys(TRACKER_DEFAULTS).sort()).toEqual([...withValue].sort());
    for (const name of withValue) {
      expect([name, TRACKER_DEFAULTS[name as keyof typeof TRACKER_DEFAULTS]]).toEqual([
        name,
        setting(name).default,
      ]);
    }
  });

  it('resolves every defaulted setting to its default when no prop is given', () => {
    const resolved = resolveTrackerSettings({}) as unknown as Record<string, unknown>;
    for (const name of SETTING_NAMES) {
      const { default: value } = setting(name);
      if (value === undefined || !(name in resolved)) continue;
      expect([name, resolved[name]]).toEqual([name, value]);
    }
    // Every resolved setting is in the table, but one derived from two of them.
    expect(Object.keys(resolved).filter((key) => !(key in TRACKER_SETTINGS))).toEqual([
      'historyErrorRetentionDays',
    ]);
  });

  /** Props that let `name` take a value at the edge of its range (the horizon must exceed the min age). */
  const around = (name: SettingName, value: number): StatusTrackerProps => ({
    ...(name === 'accountSecretShards' ? { accountSecretPrefix: 'twilio/accounts/' } : {}),
    ...(name === 'reconcileHorizonHours' ? { reconcileMinAgeHours: 1 } : {}),
    ...(name === 'reconcileMinAgeHours' ? { reconcileHorizonHours: 8760 } : {}),
    [name]: value,
  });
  const ranged = SETTING_NAMES.filter((name) => setting(name).min !== undefined);

  it.each(ranged)('%s: accepts its minimum and refuses one below it and one above its maximum', (name) => {
    const { min = 0, max } = setting(name);
    expect(() => resolveTrackerSettings(around(name, min))).not.toThrow();
    expect(() => resolveTrackerSettings(around(name, min - 1))).toThrow(
      new RegExp(`^"${name}" must be a whole number`),
    );
    if (max !== undefined) {
      expect(() => resolveTrackerSettings(around(name, max + 1))).toThrow(ConfigError);
      expect(() => resolveTrackerSettings(around(name, max + 1))).toThrow(`between ${min} and ${max}`);
    }
  });
});

describe("the ready-made app's context keys", () => {
  const keys = SETTING_NAMES.map(contextKeyOf).filter((key): key is string => key !== undefined);

  it('are the context keys of the table, in its order', () => {
    expect(CONTEXT_KEY_NAMES).toEqual(keys);
  });

  it('each have a sample value (test/support/context-samples.ts)', () => {
    expect(keys.filter((key) => CONTEXT_SAMPLES[key] === undefined)).toEqual([]);
  });

  it.each(SETTING_NAMES.filter((name) => contextKeyOf(name) !== undefined))(
    '%s: its context key sets the prop',
    (name) => {
      const key = contextKeyOf(name)!;
      const sample = CONTEXT_SAMPLES[key]!;
      const read = (context: Record<string, string>) =>
        readAppConfig(new App({ context: { ...context, ...sample.needs } }).node);
      const unset = read({});
      const set = read({ [key]: sample.value });
      const changed = (config: ReturnType<typeof read>) =>
        name === 'twilioSecret' ? config.twilioSecretName : config.props[name as keyof typeof config.props];
      expect(changed(set)).toBeDefined();
      expect(changed(set)).not.toEqual(changed(unset));
    },
  );
});
