/**
 * Reads the project's Markdown the way a reader follows it: the front page and the task pages under docs/,
 * their links (outside code), their headings' anchors (GitHub's rule) and their fenced code blocks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** The front page and every page directly under docs/ (the generated API reference has its own check). */
export function projectPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

interface Page {
  prose: { line: number; text: string }[];
  blocks: CodeBlock[];
}

function parse(file: string): Page {
  const prose: Page['prose'] = [];
  const blocks: CodeBlock[] = [];
  let open: { line: number; lang: string; indent: number; lines: string[] } | undefined;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const fence = /^(\s*)```(\S*)\s*$/.exec(text);
      if (open) {
        if (fence && text.trim() === '```') {
          blocks.push({ file, line: open.line, lang: open.lang, text: open.lines.join('\n') });
          open = undefined;
        } else {
          open.lines.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
        }
      } else if (fence) {
        open = { line: index + 1, lang: fence[2] ?? '', indent: fence[1]?.length ?? 0, lines: [] };
      } else {
        prose.push({ line: index + 1, text });
      }
    });
  return { prose, blocks };
}

export function codeBlocks(file: string): CodeBlock[] {
  return parse(file).blocks;
}

/** Links and images outside code blocks and inline code. */
export function links(file: string): Link[] {
  const found: Link[] = [];
  for (const { line, text } of parse(file).prose) {
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)\)/g)) {
      found.push({ file, line, target: match[1] ?? '' });
    }
  }
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of parse(file).prose) {
    const heading = /^#{1,6} (.*)$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What is wrong with a relative link, or undefined when it leads somewhere. */
export function brokenLink(link: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) return undefined;
  const [path = '', anchor] = link.target.split('#');
  const target = path === '' ? link.file : resolve(dirname(link.file), decodeURI(path));
  const where = `${relative(ROOT, link.file)}:${link.line}`;
  if (!existsSync(target)) return `${where}: ${link.target} does not exist`;
  if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)) {
    return `${where}: ${relative(ROOT, target)} has no heading #${anchor}`;
  }
  return undefined;
}

/** The Markdown files reachable from `start` by following relative links. */
export function reachableFrom(start: string): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const link of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue;
      const path = link.target.split('#')[0] ?? '';
      if (!path.endsWith('.md')) continue;
      const target = resolve(dirname(file), decodeURI(path));
      if (!reached.has(target) && existsSync(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}
