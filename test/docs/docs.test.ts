/**
 * The docs as a newcomer meets them: a short front page, every task page reachable from it, no link
 * that leads nowhere, and code samples that cannot rot. TypeScript samples are compiled against the
 * construct's source as a user's app imports it; JSON samples parse; JavaScript samples parse and install
 * what they import; every `npm run` line names a script that exists and options its `--help` lists;
 * every `-c key=value` names a context key the configuration page documents.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { brokenLink, codeBlocks, links, projectPages, reachableFrom, ROOT, type CodeBlock } from './markdown';

const execFileAsync = promisify(execFile);
const pages = projectPages();
const blocks = pages.flatMap(codeBlocks);
const where = (block: CodeBlock): string => `${relative(ROOT, block.file)}:${block.line}`;

it('the front page stays short: at most 250 lines', () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
  expect(lines).toBeLessThanOrEqual(250);
});

it('every relative link and anchor leads somewhere', () => {
  const broken = pages.flatMap(links).map(brokenLink).filter(Boolean);
  expect(broken).toEqual([]);
});

it('every page under docs/ is reachable from the front page', () => {
  const reached = reachableFrom(join(ROOT, 'README.md'));
  const unreached = pages.filter((page) => !reached.has(page)).map((page) => relative(ROOT, page));
  expect(unreached).toEqual([]);
});

it('JSON samples are JSON', () => {
  const json = blocks.filter((block) => block.lang === 'json');
  expect(json.length).toBeGreaterThan(0);
  const invalid = json.filter((block) => {
    try {
      JSON.parse(block.text);
      return false;
    } catch {
      return true;
    }
  });
  expect(invalid.map(where)).toEqual([]);
});

/** Names a sample may use without declaring them: what its surrounding prose says are the reader's. */
const READERS_OWN: Record<string, string> = {
  stack: "import('aws-cdk-lib').Stack",
  app: "import('aws-cdk-lib').App",
  myRole: "import('aws-cdk-lib/aws-iam').IRole",
  myFunction: "import('aws-cdk-lib/aws-lambda').IFunction",
  tracker: "import('twilio-status-tracker').StatusTracker",
};

it('TypeScript samples compile against the construct as an app imports it', () => {
  const samples = blocks.filter((block) => block.lang === 'ts');
  expect(samples.length).toBeGreaterThan(0);
  const dir = join(ROOT, 'test-artifacts', 'doc-samples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = samples.map((sample, index) => {
    const declared = (name: string) =>
      new RegExp(`\\b(const|let|function|class)\\s+${name}\\b`).test(sample.text);
    const prelude = Object.entries(READERS_OWN)
      .filter(([name]) => new RegExp(`\\b${name}\\b`).test(sample.text) && !declared(name))
      .map(([name, type]) => `declare const ${name}: ${type};`);
    const file = join(dir, `sample-${index}.ts`);
    writeFileSync(file, [...prelude, sample.text, 'export {};', ''].join('\n'));
    return { file, sample, preludeLines: prelude.length };
  });
  const program = ts.createProgram(
    files.map((entry) => entry.file),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: ROOT,
      paths: { 'twilio-status-tracker': ['lib/index.ts'] },
    },
  );
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => files.some((entry) => entry.file === diagnostic.file?.fileName))
    .map((diagnostic) => {
      const entry = files.find((candidate) => candidate.file === diagnostic.file?.fileName);
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const sampleLine = entry!.sample.line + 1 + line - entry!.preludeLines;
      return `${relative(ROOT, entry!.sample.file)}:${sampleLine}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
  expect(errors).toEqual([]);
}, 120_000);

it('JavaScript samples parse, and the packages they import are the ones the page installs', async () => {
  const samples = blocks.filter((block) => block.lang === 'js');
  const dir = join(ROOT, 'test-artifacts', 'doc-samples');
  mkdirSync(dir, { recursive: true });
  for (const [index, sample] of samples.entries()) {
    const file = join(dir, `sample-${index}.mjs`);
    writeFileSync(file, sample.text);
    await expect(execFileAsync(process.execPath, ['--check', file])).resolves.toBeDefined();
    const installs = codeBlocks(sample.file)
      .filter((block) => block.lang === 'bash')
      .flatMap((block) => [...block.text.matchAll(/npm install ([^\n]+)/g)].map((match) => match[1] ?? ''))
      .join(' ');
    const imported = [...sample.text.matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
    const packages = imported.filter((name) => !name.startsWith('node:') && !name.startsWith('.'));
    expect({
      at: where(sample),
      missing: packages.filter((name) => !installs.split(/\s+/).includes(name)),
    }).toEqual({
      at: where(sample),
      missing: [],
    });
  }
});

/** Each shell line of the samples, continuations joined and comments cut. */
function shellCommands(): { at: string; command: string }[] {
  return blocks
    .filter((block) => block.lang === 'bash')
    .flatMap((block) =>
      block.text
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((line) => ({ at: where(block), command: line.replace(/(^|\s)#.*$/, '').trim() })),
    )
    .filter((entry) => entry.command !== '');
}

const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** `npm run X -- --a --b` (or `npm start`) in a command line: the script and the options given to it. */
function npmRuns(command: string): { script: string; options: string[] }[] {
  const runs: { script: string; options: string[] }[] = [];
  for (const part of command.split(/&&|\|\||;|\|/)) {
    const words = part.trim().split(/\s+/);
    if (words[0] !== 'npm') continue;
    const rest = words.slice(1).filter((word) => word !== '-s' && word !== '--silent');
    const script =
      rest[0] === 'run' ? rest[1] : rest[0] === 'start' || rest[0] === 'test' ? rest[0] : undefined;
    if (script === undefined) continue;
    const dashes = rest.indexOf('--');
    const options = dashes < 0 ? [] : rest.slice(dashes + 1).filter((word) => /^--[a-z]/.test(word));
    runs.push({ script, options: options.map((option) => option.split('=')[0] ?? option) });
  }
  return runs;
}

it('every npm run line names a script that exists', () => {
  const unknown = shellCommands().flatMap(({ at, command }) =>
    npmRuns(command)
      .filter((run) => scripts[run.script] === undefined)
      .map((run) => `${at}: npm run ${run.script}`),
  );
  expect(unknown).toEqual([]);
});

it('every option a sample gives a command is one its --help lists', async () => {
  const wanted = new Map<string, { options: Set<string>; at: Set<string> }>();
  for (const { at, command } of shellCommands()) {
    for (const run of npmRuns(command)) {
      const script = scripts[run.script];
      if (script === undefined || !script.startsWith('tsx ') || run.options.length === 0) continue;
      const entry = wanted.get(run.script) ?? { options: new Set<string>(), at: new Set<string>() };
      run.options.forEach((option) => entry.options.add(option));
      entry.at.add(at);
      wanted.set(run.script, entry);
    }
  }
  expect(wanted.size).toBeGreaterThan(3);
  const missing: string[] = [];
  await Promise.all(
    [...wanted].map(async ([name, entry]) => {
      const [, ...args] = (scripts[name] as string).split(/\s+/);
      const { stdout } = await execFileAsync(join(ROOT, 'node_modules', '.bin', 'tsx'), [...args, '--help'], {
        cwd: ROOT,
      });
      for (const option of entry.options) {
        if (!new RegExp(`(^|\\s)${option}(\\s|$)`, 'm').test(stdout))
          missing.push(`npm run ${name} -- ${option}`);
      }
    }),
  );
  expect(missing.sort()).toEqual([]);
}, 120_000);

it('every -c key=value in a sample is a context key the configuration page documents', () => {
  const configuration = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const keys = shellCommands().flatMap(({ at, command }) =>
    [...command.matchAll(/(?:^|\s)-c\s+([A-Za-z]+)=/g)].map((match) => ({ at, key: match[1] ?? '' })),
  );
  expect(keys.length).toBeGreaterThan(3);
  const undocumented = keys.filter(
    ({ key }) => !configuration.includes(`| \`${key}\``) && !configuration.includes(`/ \`${key}\``),
  );
  expect(undocumented).toEqual([]);
});
