// The dependency rule (.dependency-cruiser.cjs): each folder of src/ imports
// only the layers below it, and no modules import each other in a circle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');

function cruise(cwd: string): { status: number | null; out: string } {
  const res = spawnSync(depcruise, ['src', '--config', path.join(root, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: res.status, out: res.stdout + res.stderr };
}

test('src/ keeps the layers and has no import cycles', () => {
  const { status, out } = cruise(root);
  assert.equal(status, 0, out);
  assert.match(out, /no dependency violations found \((\d{2,}) modules/);
});

test('the rule catches an upward import and a cycle', () => {
  const dir = tempDir('mxrec-layers-');
  const file = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  file('tsconfig.json', '{"compilerOptions":{"module":"NodeNext","moduleResolution":"NodeNext"}}');
  file('src/format/a.ts', "import { b } from '../cli/b.js';\nexport const a = b;\n");
  file('src/cli/b.ts', 'export const b = 1;\n');
  file('src/iter/c.ts', "import { d } from '../im2rec/d.js';\nexport const c = d;\n");
  file('src/im2rec/d.ts', 'export const d = 1;\n');
  file('src/io/x.ts', "import { y } from './y.js';\nexport const x = () => y;\n");
  file('src/tools/e.ts', "import { f } from '../io/remote/f.js';\nexport const e = f;\n");
  file('src/io/remote/f.ts', 'export const f = 1;\n');
  file('src/io/y.ts', "import { x } from './x.js';\nexport const y = () => x;\n");
  const { status, out } = cruise(dir);
  assert.notEqual(status, 0, out);
  assert.match(out, /format-imports-only-[\w-]+: src\/format\/a\.ts → src\/cli\/b\.ts/);
  assert.match(out, /iter-imports-only-[\w-]+: src\/iter\/c\.ts → src\/im2rec\/d\.ts/);
  assert.match(out, /no-circular: src\/io\/[xy]\.ts/);
  assert.match(out, /features-name-no-transport: src\/tools\/e\.ts → src\/io\/remote\/f\.ts/);
});

test('the features name no transport: no module outside src/io/ asks whether a location is a URL, or which kind', () => {
  // The store is chosen once, in io/locations.ts (storeOf), from the location's scheme; what differs
  // between kinds is a property of the store. (HTTP and S3 code is kept to io/remote/ by the
  // dependency rule features-name-no-transport.)
  const asks = /\bisUrl\b|\bisS3Url\b|['"`](s3|https?):\/\/['"`]|startsWith\(['"`](s3|https?):|\/\^\(?(s3|https?)/;
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.startsWith(path.join(root, 'src/io/'))) {
        fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          if (asks.test(line)) offenders.push(`${path.relative(root, p)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
  };
  walk(path.join(root, 'src'));
  assert.deepEqual(offenders, []);
  // The check can fail: a line that asks is caught.
  assert.ok(asks.test("  if (isS3Url(root)) return listS3Keys(root);") && asks.test("if (location.startsWith('s3://'))"));
});
