/**
 * The web console (console/) as the servers serve it: dist/console/ holds index.html, console.css, favicon.svg and
 * console.js (Preact and Chart.js bundled in, so the page needs no CDN and works offline) with its map.
 * `npm run bundle` builds it with the Lambdas; `npm start` and `npm run console` build it before they
 * serve it, so a fresh clone needs no step of its own. Idempotent and atomic like the Lambda bundles.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { CONSOLE_DIR } from '../local/console/assets';
import { ROOT, writeIfChanged } from './bundle';

export const CONSOLE_SOURCE = path.join(ROOT, 'console');

/** Files copied as they are, next to the bundle. */
const STATIC_FILES = ['index.html', 'console.css', 'favicon.svg'];

export async function buildConsole(outDir = CONSOLE_DIR): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(CONSOLE_SOURCE, 'main.tsx')],
    outfile: path.join(outDir, 'console.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Browsers of the last few years; nothing here needs a polyfill.
    target: ['chrome111', 'firefox111', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    write: false,
  });
  for (const output of result.outputFiles) writeIfChanged(output.path, output.contents);
  for (const file of STATIC_FILES)
    writeIfChanged(path.join(outDir, file), readFileSync(path.join(CONSOLE_SOURCE, file)));
  return outDir;
}
