/**
 * The public API as a user of the package meets it: every public field of StatusTracker and every prop
 * has a doc comment, every type such a field has is exported from the package root (lib/index.ts), and
 * docs/api/ (TypeDoc, `npm run docs:api`) is what the source generates today.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { ROOT } from './markdown';

const program = ts.createProgram([join(ROOT, 'lib', 'index.ts')], { strict: true, noEmit: true });
const checker = program.getTypeChecker();
const source = (file: string) => program.getSourceFile(join(ROOT, file))!;
const exported = new Set(
  checker.getExportsOfModule(checker.getSymbolAtLocation(source('lib/index.ts'))!).map((s) => s.name),
);

function declaration<T extends ts.Node>(file: string, test: (node: ts.Node) => node is T, name: string): T {
  const found = source(file).statements.find(
    (node) => test(node) && (node as unknown as { name?: ts.Identifier }).name?.text === name,
  );
  if (!found) throw new Error(`${name} not found in ${file}`);
  return found as unknown as T;
}

/** Public properties of a class or members of an interface, with whether each has a doc comment. */
function members(node: ts.ClassDeclaration | ts.InterfaceDeclaration) {
  return (node.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>)
    .filter((m) => ts.isPropertyDeclaration(m) || ts.isPropertySignature(m))
    .filter(
      (m) =>
        !ts.getCombinedModifierFlags(m as ts.Declaration) ||
        !(
          ts.getCombinedModifierFlags(m as ts.Declaration) &
          (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)
        ),
    )
    .map((m) => ({
      name: m.name!.getText(),
      type: (m as ts.PropertyDeclaration).type,
      documented: ts.getJSDocCommentsAndTags(m).some((doc) => ts.isJSDoc(doc) && !!doc.comment),
    }));
}

const tracker = declaration('lib/status-tracker.ts', ts.isClassDeclaration, 'StatusTracker');
const interfaces = [
  declaration('lib/tracker-props.ts', ts.isInterfaceDeclaration, 'StatusTrackerProps'),
  declaration('lib/status-tracker.ts', ts.isInterfaceDeclaration, 'StatusChangeRuleOptions'),
  declaration('lib/status-tracker-stack.ts', ts.isInterfaceDeclaration, 'StatusTrackerStackProps'),
];

it('every public field of StatusTracker and every prop has a doc comment', () => {
  const fields = [tracker, ...interfaces].flatMap((node) =>
    members(node).map((m) => ({ ...m, owner: node.name!.text })),
  );
  expect(fields.length).toBeGreaterThan(50);
  expect(fields.filter((f) => !f.documented).map((f) => `${f.owner}.${f.name}`)).toEqual([]);
});

it("every type a public field of StatusTracker has is exported from the package root, or is a library's", () => {
  const local: string[] = [];
  for (const { name, type } of members(tracker)) {
    const visit = (node: ts.Node): void => {
      // `apigw.HttpApi` is aws-cdk-lib's; a bare name is this package's (or a built-in).
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName))
        local.push(`${name}: ${node.typeName.text}`);
      ts.forEachChild(node, visit);
    };
    if (type) visit(type);
  }
  expect(local.length).toBeGreaterThan(5);
  expect(local.filter((entry) => !exported.has(entry.split(': ')[1]!))).toEqual([]);
});

/** Every file under `dir`, as relative path -> content. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}

it('docs/api/ is what npm run docs:api generates from the source now', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
  try {
    execFileSync('npx', ['typedoc', '--out', out, '--logLevel', 'Error'], { cwd: ROOT, stdio: 'pipe' });
    const generated = tree(out);
    expect(Object.keys(generated).length).toBeGreaterThan(10);
    expect(tree(join(ROOT, 'docs', 'api'))).toEqual(generated);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
