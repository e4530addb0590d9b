/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// rec view: which images it picks, that the sheet shows each of them in its
// cell, and that the HTML gallery loads in a real browser (Debian's chromium;
// the DOM types above are for the code that runs in the page).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { launchChromium, skipWithoutChromium } from '../helpers/browser.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg, makePng } from '../helpers/images.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-view-');

/**
 * 30 images, labels 0..4 (six each), ids 100.., keys 0..: JPEGs of varied
 * shapes, a PNG every 7th, a gray JPEG every 11th, and key 13 a JPEG cut off
 * after its header (readable size, undecodable pixels).
 */
const images = new Map<string, Buffer>();
const rec = path.join(dir, 'pack.rec');
{
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, 'pack.idx') });
  for (let i = 0; i < 30; i++) {
    const [width, height] = [40 + ((i * 13) % 50), 30 + ((i * 29) % 60)];
    let image = i % 7 === 3 ? await makePng(width, height, i + 1) : await makeJpeg(width, height, { gray: i % 11 === 5 }, i + 1);
    if (i === 13) image = image.subarray(0, 400);
    images.set(String(i), image);
    w.write(packImageRecord({ label: i % 5, id: 100 + i }, image), i);
  }
  await w.close();
}

function view(args: string[]): any {
  const res = runBin('rec', ['view', ...args, '--json', '--quiet']);
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout);
}

describe('rec view', () => {
  test('the sheet shows each picked image in its cell, scaled to fit, with a caption under it', async () => {
    const out = path.join(dir, 'sheet.png');
    const size = 64;
    const r = view([rec, '--out', out, '--count', '7', '--columns', '3', '--size', String(size), '--seed', '5']);
    assert.equal(r.items.length, 7);
    const sheet = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    // The layout in sheet.ts: 8 px gaps, a 38 px heading, a 34 px caption under each cell.
    const rowHeight = size + 34 + 8;
    assert.deepEqual([sheet.info.width, sheet.info.height], [Math.max(8 + 3 * (size + 8), 360), 38 + 3 * rowHeight]);
    for (const [i, item] of r.items.entries()) {
      const left = 8 + (i % 3) * (size + 8);
      const top = 38 + Math.floor(i / 3) * rowHeight;
      const cell = await sharp(out).extract({ left, top, width: size, height: size }).removeAlpha().raw().toBuffer();
      const caption = await sharp(out).extract({ left, top: top + size, width: size, height: 34 }).greyscale().raw().toBuffer();
      assert.ok(caption.some((v) => v > 200), `no caption text under key ${item.key}`);
      if (item.key === '13') {
        assert.deepEqual(r.undecodable.map((u: any) => u.key), ['13']);
        continue;
      }
      // The image as sharp fits it into the box, on the sheet's background.
      const expected = await sharp(images.get(item.key)!)
        .resize(size, size, { fit: 'contain', background: '#1e1e1e' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer();
      let diff = 0;
      for (let k = 0; k < cell.length; k++) diff += Math.abs(cell[k]! - expected[k]!);
      assert.ok(diff / cell.length < 10, `key ${item.key}: mean difference ${diff / cell.length} from the image it should show`);
    }
  });

  test('control characters in class names and in the file name are drawn as visible symbols, not an SVG error', async () => {
    const odd = path.join(dir, 'odd\u0001name\u001b.rec');
    fs.copyFileSync(rec, odd);
    const names = path.join(dir, 'odd-names.txt');
    fs.writeFileSync(names, 'ze\u0001ro\none\u0007\ntwo\u007f\n\u0002\nfour\n');
    const out = path.join(dir, 'odd.png');
    const res = runBin('rec', ['view', odd, '--out', out, '--count', '5', '--names', names, '--per-class', '1', '--quiet']);
    assert.equal(res.status, 0, res.stderr);
    const { width, height } = await sharp(out).metadata();
    assert.ok(width! > 0 && height! > 0);
  });

  test('with an .idx: a seeded random sample of distinct keys, in file order; without: the first images', () => {
    const a = view([rec, '--out', path.join(dir, 'a.png'), '--count', '8', '--seed', '1']);
    const b = view([rec, '--out', path.join(dir, 'b.png'), '--count', '8', '--seed', '1']);
    const c = view([rec, '--out', path.join(dir, 'c.png'), '--count', '8', '--seed', '2']);
    assert.deepEqual(a.items, b.items);
    assert.notDeepEqual(a.items.map((i: any) => i.key), c.items.map((i: any) => i.key));
    const keys = a.items.map((i: any) => Number(i.key));
    assert.equal(new Set(keys).size, 8);
    assert.ok(keys.every((k: number) => k >= 0 && k < 30));
    assert.deepEqual(a.items.map((i: any) => i.offset), [...a.items.map((i: any) => i.offset)].sort((x: number, y: number) => x - y));
    for (const item of a.items) assert.deepEqual([item.id, item.label], [100 + Number(item.key), [Number(item.key) % 5]]);
    assert.match(a.how, /^8 images picked at random \(seed 1\) of 30 indexed records$/);
    assert.equal(view([rec, '--out', path.join(dir, 'all.png'), '--count', '100']).items.length, 30);

    const first = view([rec, '--out', path.join(dir, 'first.png'), '--count', '4', '--no-index']);
    assert.deepEqual(first.items.map((i: any) => i.key), ['100', '101', '102', '103']);
    assert.match(first.how, /first 4 images in the file/);
  });

  test('--per-class: up to K images of each of the first classes, from a whole-file pass', () => {
    const r = view([rec, '--out', path.join(dir, 'pc.png'), '--per-class', '4', '--classes', '3', '--seed', '9']);
    assert.equal(r.classes, 3);
    assert.equal(r.items.length, 12);
    assert.deepEqual([...new Set(r.items.map((i: any) => i.label[0]))], [0, 1, 2]);
    for (const item of r.items) assert.equal(Number(item.key) % 5, item.label[0]);
    assert.deepEqual(view([rec, '--out', path.join(dir, 'pc2.png'), '--per-class', '4', '--classes', '3', '--seed', '9']).items, r.items);
    // More than a class holds: all of them.
    assert.equal(view([rec, '--out', path.join(dir, 'pc3.png'), '--per-class', '50']).items.length, 30);
  });

  test("insightface's layout: identity and header records are never shown", async () => {
    const face = await writeInsightface(dir, 'face', [3, 1, 4]);
    const plain = view([face, '--out', path.join(dir, 'face.png')]);
    assert.deepEqual(plain.items.map((i: any) => Number(i.key)).sort((x: number, y: number) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);
    const groups = view([face, '--out', path.join(dir, 'face-pc.png'), '--per-class', '2']);
    assert.deepEqual([groups.classes, groups.items.length], [3, 5]);
  });

  test('files made by MXNet tools: the fixtures', () => {
    const ada = view([fixture('adaface-tiny/train.rec'), '--out', path.join(dir, 'ada.png')]);
    assert.deepEqual([ada.items.length, ada.undecodable], [8, []]);
    const gray = view([fixture('gray-glyphs/val.rec'), '--out', path.join(dir, 'gray.jpg'), '--count', '20']);
    assert.deepEqual([gray.items.length, gray.undecodable], [20, []]);
    assert.equal(fs.readFileSync(path.join(dir, 'gray.jpg'))[0], 0xff); // .jpg asks for JPEG
  });

  test('the HTML gallery loads in Chromium with every image decoded and no console errors', skipWithoutChromium(), async () => {
    const html = path.join(dir, 'gallery.html');
    const names = path.join(dir, 'names.txt');
    fs.writeFileSync(names, 'zero\none\n<b>two\nthree\nfour\n');
    const r = view([rec, '--html', html, '--count', '20', '--names', names]);
    assert.equal(r.sheet, null);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url().slice(0, 80)}`));
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        figures: [...document.querySelectorAll('figure')].map((f) => f.getAttribute('data-key')),
        images: [...document.querySelectorAll('img')].map((i) => ({ ok: i.complete && i.naturalWidth > 0, alt: i.alt })),
        broken: document.querySelectorAll('.broken').length,
        title: document.title,
      }));
      assert.deepEqual(problems, []);
      assert.deepEqual(seen.figures, r.items.map((i: any) => i.key));
      assert.equal(seen.images.length, r.items.length - r.undecodable.length);
      assert.ok(seen.images.every((i) => i.ok), 'an image did not decode in the browser');
      assert.equal(seen.broken, r.undecodable.length);
      assert.equal(seen.title, 'pack.rec');
      // Names come through as text, not markup.
      if (r.items.some((i: any) => i.label[0] === 2)) assert.ok(seen.images.some((i) => i.alt.endsWith('label 2 <b>two')));
    } finally {
      await browser.close();
    }
  });

  test('bad calls: one-line errors, exit 2, and no output over an input', () => {
    const cases = [
      [[rec, '--classes', '3'], /--classes: expected --per-class too/],
      [[rec, '--per-class', '100', '--classes', '20'], /--per-class: expected at most 50 for 20 classes \(1000 images in all\), received 100/],
      [[rec, '--out', rec], /refusing to overwrite an input file/],
      [[path.join(dir, 'missing.rec')], /missing\.rec: no such file/],
    ] as const;
    for (const [args, message] of cases) {
      const res = runBin('rec', ['view', ...args, '--quiet']);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, message);
    }
    // Caught by the argument parser, which adds a pointer to --help.
    const res = runBin('rec', ['view', rec, '--count', '0']);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /'0' is invalid\. expected an integer in 1\.\.1000/);
    assert.equal(fs.readFileSync(rec).readUInt32LE(0), 0xced7230a);
  });
});
