/**
 * `npm run bundle` (tsx scripts/bundle.ts): builds every Lambda handler (lambda/handlers/<name>.ts) into
 * dist/bundles/<name>/index.mjs (+ index.mjs.map) and the chunks beside it (chunk-<hash>.mjs, each with
 * its map: what the handler imports with `import()`, and code shared with it), the code
 * lib/constructs/tracker-function.ts deploys.
 *
 * Bundling here, once, rather than at synth time is what lets another CDK app install this package and
 * synthesise without esbuild or Docker: the package ships these files and the construct only points
 * `lambda.Code.fromAsset` at them. These are the only bundling settings in the repository; anything else
 * that needs a bundle "as deployed" (tests, benchmarks) builds it through `lambdaBuildOptions`.
 *
 * Idempotent: the same sources give byte-identical output (so identical asset hashes); a file is only
 * written when its content changed, and then atomically (write + rename), so a test or synth reading a
 * bundle while another process rebuilds never sees half a file. A bundle whose handler no longer exists
 * is removed. All handlers build in parallel in one esbuild process.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, type BuildOptions } from 'esbuild';

/** The repository root: sources, node_modules and the output directory are all found from here. */
export const ROOT = path.resolve(__dirname, '..');
export const HANDLERS_DIR = path.join(ROOT, 'lambda', 'handlers');
export const BUNDLES_DIR = path.join(ROOT, 'dist', 'bundles');

/**
 * esbuild options for one Lambda bundle: `entry` (a .ts file) -> `outfile` (an .mjs file, its map next
 * to it), plus, beside it, the chunks of what the code imports dynamically (chunk-<hash>.mjs, each with
 * its map). Callers may add options (e.g. `metafile`) but should not change these.
 */
export function lambdaBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    // Code splitting (ES modules only): a module the handler imports with `import()` (the twilio client
    // in the sender, the reconciler and the messaging-service function, built at the first send) goes
    // into a chunk of its own, which a cold start neither reads nor parses; the first use loads it.
    // Code both sides share goes into chunks the entry imports statically. Chunk names are hashes of
    // their content, so the same sources still give the same files.
    splitting: true,
    outdir: path.dirname(outfile),
    entryNames: path.basename(outfile, '.mjs'),
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    // Everything, @aws-sdk/* included, goes into the bundle instead of using the runtime's copy of the
    // SDK: the versions in package-lock.json are the ones the tests ran against, and esbuild keeps only
    // the clients and commands we import, which loads faster than the runtime's full SDK. The cost is a
    // larger asset, still well under 1 MB.
    bundle: true,
    external: [],
    platform: 'node',
    format: 'esm',
    // The lowest Node.js this code supports; the output runs unchanged on the Node.js 24 runtime.
    target: 'node22',
    minify: true,
    // Stack traces point at the TypeScript source through index.mjs.map, read only when an error is
    // logged or thrown (lambda/adapters/secondary/readable-stack.ts; no --enable-source-maps, which would
    // parse it at every cold start). Without sourcesContent the maps stay small.
    sourcemap: true,
    sourcesContent: false,
    // Prefer packages' ES module builds: esbuild can drop what is not imported, and the same handler
    // imports measurably faster this way than with esbuild's CommonJS-first default.
    mainFields: ['module', 'main'],
    // twilio's webhooks module is CommonJS and calls require() for Node built-ins; an ES module has no
    // `require`, so give the bundle one.
    banner: {
      js: "import { createRequire as __trackerCreateRequire } from 'node:module'; const require = __trackerCreateRequire(import.meta.url);",
    },
    // In Lambda the role's credentials are always in the environment: swap the SDK's default credential
    // chain (SSO, STS, INI files, instance metadata; ~90 KB per client) for its environment provider.
    // See lambda/runtime/lambda-credentials.ts. The path is relative to absWorkingDir.
    alias: { '@aws-sdk/credential-provider-node': './lambda/runtime/lambda-credentials.ts' },
    // Resolve from the repository whatever the caller's working directory, so the output (and its
    // source map's relative paths) does not depend on where the script was started.
    absWorkingDir: ROOT,
    logLevel: 'warning',
  };
}

/** Handler names: the .ts files directly in lambda/handlers, without extension. */
export function handlerNames(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/** The bundle of one handler as this script writes it. */
export function bundleFile(name: string, bundlesDir = BUNDLES_DIR): string {
  return path.join(bundlesDir, name, 'index.mjs');
}

/**
 * The files a cold start reads: the entry and, transitively, the chunks it imports statically
 * (`import ... from "./chunk-X.mjs"`); the chunks behind an `import()` are read at first use only.
 */
export function coldStartFiles(entry: string): string[] {
  const files: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(/(?:from|import)\s*"(\.\/chunk-[^"]+\.mjs)"/g))
      visit(path.join(path.dirname(file), match[1]!));
  };
  visit(entry);
  return files;
}

/** Bytes a cold start reads: the sizes of `coldStartFiles(entry)`. */
export function coldStartBytes(entry: string): number {
  return coldStartFiles(entry).reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Every module of the bundle `entry` belongs to (its directory: what the function's asset holds). */
export function bundleModules(entry: string): string[] {
  const dir = path.dirname(entry);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.mjs'))
    .sort()
    .map((file) => path.join(dir, file));
}

/** Builds every handler into `bundlesDir` (default dist/bundles) and returns the bundle files by name. */
export async function bundleHandlers(bundlesDir = BUNDLES_DIR): Promise<Record<string, string>> {
  const names = handlerNames();
  mkdirSync(bundlesDir, { recursive: true });
  // A renamed or deleted handler must not leave a stale bundle that a construct could still deploy.
  for (const entry of readdirSync(bundlesDir)) {
    if (!names.includes(entry)) rmSync(path.join(bundlesDir, entry), { recursive: true, force: true });
  }
  const files: Record<string, string> = {};
  await Promise.all(
    names.map(async (name) => {
      const outfile = bundleFile(name, bundlesDir);
      const result = await build({
        ...lambdaBuildOptions(path.join(HANDLERS_DIR, `${name}.ts`), outfile),
        write: false,
      });
      for (const output of result.outputFiles) writeIfChanged(output.path, output.contents);
      if (!existsSync(outfile)) throw new Error(`esbuild produced no ${outfile}`);
      // A chunk of an earlier build (its name is its content's hash) must not ship with this one.
      const written = new Set(result.outputFiles.map((output) => path.basename(output.path)));
      for (const entry of readdirSync(path.dirname(outfile))) {
        if (!written.has(entry) && !entry.endsWith('.tmp'))
          rmSync(path.join(path.dirname(outfile), entry), { force: true });
      }
      files[name] = outfile;
    }),
  );
  return files;
}

/** Writes `file` only when its content changed, atomically (write + rename). */
export function writeIfChanged(file: string, contents: Uint8Array): void {
  if (existsSync(file) && Buffer.from(contents).equals(readFileSync(file))) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

if (require.main === module) {
  const started = performance.now();
  // The web console is built here too, so `npm test` (which runs this first) tests the page as served.
  Promise.all([bundleHandlers(), import('./bundle-console').then((c) => c.buildConsole())]).then(
    ([files, consoleDir]) => {
      const names = Object.keys(files).sort();
      console.error(
        `bundled ${names.length} handlers (${names.join(', ')}) into ${path.relative(process.cwd(), BUNDLES_DIR) || '.'} ` +
          `and the console into ${path.relative(process.cwd(), consoleDir)} in ${Math.round(performance.now() - started)} ms`,
      );
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
