/**
 * Stack traces that point at the TypeScript source, paid for only when an error is logged.
 *
 * The bundles are minified (dist/bundles/<name>/index.mjs and its chunks, one line each), so a raw frame says
 * `index.mjs:1:48213`. Node's `--enable-source-maps` would map it, but it parses every loaded module's
 * map at import, on every cold start (about 0.2 of the callback's import overhead, docs/measured.md), and
 * turning it on later (`process.setSourceMapsEnabled`) maps nothing already loaded. So the functions run
 * without the flag, and an error path calls `readableStack`: each frame in a file with a `<file>.map`
 * beside it (what scripts/bundle.ts writes) is looked up in that map, read and parsed at the first
 * error, with node:module's `SourceMap`, which needs no flag. A frame becomes what the flag would have
 * printed: the original function name where the map has one, and the .ts file, line and column.
 * Frames of files without a map (tsx, local runs, Node's own) are left as they are, so the function is
 * safe to call on any stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface LoadedMap {
  map: SourceMap;
  /** The map file's URL, against which its `sources` are resolved. */
  url: URL;
}

/** Each file's map, or null when it has none (or it cannot be read): read once per container. */
const maps = new Map<string, LoadedMap | null>();

/** `    at name (location)` or `    at location`; location `file:///…` or `/…`, then `:line:column`. */
const FRAME = /^(\s*at (?:async )?)(?:(.+?) \()?((?:file:\/\/|\/)[^()\s]*?):(\d+):(\d+)(\)?)$/;

interface Frame {
  prefix: string;
  name: string | undefined;
  file: string;
  line: number;
  column: number;
}

/** The stack with every frame of a mapped bundle moved to its source; anything else unchanged. */
export function readableStack(stack: string): string {
  const lines = stack.split('\n');
  const frames = lines.map(parseFrame);
  if (!frames.some((frame) => frame !== undefined && mapOf(frame.file) !== null)) return stack;
  return lines
    .map((line, i) => {
      const frame = frames[i];
      if (frame === undefined) return line;
      const loaded = mapOf(frame.file);
      if (loaded === null) return line;
      const origin = loaded.map.findEntry(frame.line - 1, frame.column - 1);
      if (!('originalSource' in origin)) return line;
      const location = `${sourcePath(origin.originalSource, loaded.url)}:${origin.originalLine + 1}:${origin.originalColumn + 1}`;
      const name = originalName(frame, frames[i + 1], loaded) ?? frame.name;
      return name === undefined ? `${frame.prefix}${location}` : `${frame.prefix}${name} (${location})`;
    })
    .join('\n');
}

/** Rewrites an error's own stack (and its causes') in place, so whoever prints it next prints sources. */
export function makeStackReadable(error: unknown, depth = 0): void {
  if (!(error instanceof Error) || depth > 8) return;
  try {
    if (typeof error.stack === 'string') error.stack = readableStack(error.stack);
  } catch {
    // A frozen error or an odd stack keeps what it had: never lose the error over its stack.
  }
  makeStackReadable(error.cause, depth + 1);
}

function parseFrame(line: string): Frame | undefined {
  const match = FRAME.exec(line);
  if (!match) return undefined;
  const [, prefix, name, file, line_, column, close] = match;
  // `at name (location` without its `)`, or `at location)`: not a frame this reads.
  if ((name === undefined) !== (close === '')) return undefined;
  return { prefix: prefix!, name, file: file!, line: Number(line_), column: Number(column) };
}

/**
 * The original name of a frame's function: the name the map gives the call that entered it (the next
 * frame's position, when that frame is in the same file), as Node's own source-map support does.
 */
function originalName(frame: Frame, caller: Frame | undefined, loaded: LoadedMap): string | undefined {
  if (caller === undefined || caller.file !== frame.file) return undefined;
  const entry = loaded.map.findEntry(caller.line - 1, caller.column - 1) as { name?: string };
  return entry.name || undefined;
}

function mapOf(file: string): LoadedMap | null {
  let loaded = maps.get(file);
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const filePath = file.startsWith('file://') ? fileURLToPath(file) : file;
    const mapPath = `${filePath}.map`;
    if (existsSync(mapPath)) {
      const payload = JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload;
      loaded = { map: new SourceMap(payload), url: pathToFileURL(mapPath) };
    }
  } catch {
    loaded = null;
  }
  maps.set(file, loaded);
  return loaded;
}

/** A map's source as Node prints it: resolved against the map's URL, a path when it is a file. */
function sourcePath(source: string, mapUrl: URL): string {
  const url = new URL(source, mapUrl);
  return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
}
