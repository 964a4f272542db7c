/**
 * Which packages a bundle's bytes come from, read from the bundle's own source map: every generated
 * character is attributed to the source its mapping segment points at. Works on the bundles exactly as
 * they are deployed (no rebuild, so no chance of measuring different settings).
 */
import { readFileSync } from 'node:fs';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's base64 VLQ fields. */
function decodeSegment(segment: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid source-map character "${char}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return fields;
}

/** Characters of the generated file attributed to each source (`null` key: unmapped, e.g. the banner). */
export function charactersBySource(jsFile: string, mapFile: string): Map<string | null, number> {
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
  const lines = readFileSync(jsFile, 'utf8').split('\n');
  const totals = new Map<string | null, number>();
  const add = (source: string | null, count: number) => {
    if (count > 0) totals.set(source, (totals.get(source) ?? 0) + count);
  };
  let sourceIndex = 0;
  map.mappings.split(';').forEach((lineMappings, lineNumber) => {
    const lineLength = (lines[lineNumber] ?? '').length + 1; // + the newline
    let column = 0;
    let previous: { column: number; source: string | null } = { column: 0, source: null };
    for (const segment of lineMappings.split(',')) {
      if (!segment) continue;
      const fields = decodeSegment(segment);
      column += fields[0] ?? 0;
      let source: string | null = null;
      if (fields.length >= 4) {
        sourceIndex += fields[1] ?? 0;
        source = map.sources[sourceIndex] ?? null;
      }
      add(previous.source, column - previous.column);
      previous = { column, source };
    }
    add(previous.source, lineLength - previous.column);
  });
  return totals;
}

/** The same, summed by npm package (own code and unmapped bytes under their own names). */
export function bytesByPackage(jsFile: string, mapFile: string): Array<{ name: string; bytes: number }> {
  const byPackage = new Map<string, number>();
  for (const [source, count] of charactersBySource(jsFile, mapFile)) {
    const normalised = source?.replace(/\\/g, '/');
    const match = normalised ? /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(normalised) : null;
    const name = match?.[1] ?? (source === null ? '(unmapped: banner, esbuild runtime)' : 'own code');
    byPackage.set(name, (byPackage.get(name) ?? 0) + count);
  }
  return [...byPackage.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
