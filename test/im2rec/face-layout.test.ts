/**
 * im2rec --layout insightface (issue 31): a folder per identity, listed with
 * --list --recursive as usual (shuffled), packed in insightface's layout and
 * read back by insightface's own reading, restated in Python (Debian's
 * python3 and PIL, not mxrec's code): MXFaceDataset's record 0, then keys
 * 1 .. label[0]-1 through the .idx, each image's label and size; and the
 * identity records' key ranges. An image that cannot be packed leaves no
 * hole in the keys; an interrupted pack resumed gives the same bytes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pack } from '../../src/im2rec/pack.js';
import { recordFileInfo } from '../../src/tools/info.js';
import { runBin } from '../helpers/cli.js';
import { makeJpeg } from '../helpers/images.js';
import { runPython, skipWithoutPythonPil } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';

/** insightface's reading of the layout (arcface_torch/dataset.py's MXFaceDataset, mx.recordio's read_idx and unpack). */
const MX_FACE_DATASET = String.raw`
import json, struct, sys
from io import BytesIO
from PIL import Image
MAGIC = 0xced7230a
rec, idx = sys.argv[1], sys.argv[2]
offsets = {}
for line in open(idx):
    key, offset = line.split('\t')
    offsets[int(key)] = int(offset)
f = open(rec, 'rb')
def read_idx(key):
    f.seek(offsets[key])
    out = b''
    while True:
        magic, lrec = struct.unpack('<II', f.read(8))
        assert magic == MAGIC, 'no record at key %d' % key
        cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
        out += f.read(length)
        f.read((4 - length % 4) % 4)
        if cflag in (0, 3):
            return out
        out += struct.pack('<I', MAGIC)
def unpack(s):
    flag, label, id_, id2 = struct.unpack('<IfQQ', s[:24])
    s = s[24:]
    if flag > 0:
        label = struct.unpack('<%df' % flag, s[:4 * flag])
        s = s[4 * flag:]
    return flag, label, id_, s
flag, label, _, _ = unpack(read_idx(0))
assert flag > 0, 'record 0 is no layout header'
header0 = (int(label[0]), int(label[1]))
for key in range(1, int(label[0])):
    _, label, id_, img = unpack(read_idx(key))
    if not isinstance(label, float):
        label = label[0]
    print(json.dumps({'key': key, 'id': id_, 'label': int(label), 'size': list(Image.open(BytesIO(img)).size)}))
for key in range(*header0):
    flag, label, id_, img = unpack(read_idx(key))
    print(json.dumps({'identity': key, 'id': id_, 'range': [int(label[0]), int(label[1])], 'bytes': len(img)}))
`;

interface FaceRow {
  key: number;
  id: number;
  label: number;
  size: [number, number];
}
interface IdentityRow {
  identity: number;
  id: number;
  range: [number, number];
  bytes: number;
}

function readWithPython(rec: string): { images: FaceRow[]; identities: IdentityRow[] } {
  const rows = runPython(MX_FACE_DATASET, [rec, rec.replace(/\.rec$/, '.idx')])
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FaceRow | IdentityRow);
  return { images: rows.filter((r): r is FaceRow => 'key' in r), identities: rows.filter((r): r is IdentityRow => 'identity' in r) };
}

/** Folders of identities: each image a JPEG of a width of its own, so that its size says which file it is. */
const PEOPLE: Record<string, number[]> = { alice: [40, 41, 42], bob: [50], cy: [60, 61, 62, 63], dee: [70, 71] };

async function makeFolders(root: string): Promise<void> {
  for (const [person, widths] of Object.entries(PEOPLE)) {
    fs.mkdirSync(path.join(root, person), { recursive: true });
    for (const width of widths) fs.writeFileSync(path.join(root, person, `${width}.jpg`), await makeJpeg(width, 32, {}, width));
  }
  fs.writeFileSync(path.join(root, 'bob', 'broken.jpg'), Buffer.from('not a jpeg at all'));
}

test('a folder per identity, packed in the layout, reads back as MXFaceDataset reads it', skipWithoutPythonPil(), async () => {
  const dir = tempDir();
  const root = path.join(dir, 'faces');
  await makeFolders(root);
  const listed = runBin('im2rec', ['--list', '--recursive', 'train', 'faces'], { cwd: dir });
  assert.equal(listed.status, 0, listed.stderr);
  const packed = runBin('im2rec', ['train', 'faces', '--layout', 'insightface'], { cwd: dir });
  assert.equal(packed.status, 0, packed.stderr);
  assert.match(packed.stderr, /10 images written, 1 skipped/);
  assert.match(packed.stderr, /insightface layout: 10 images of 4 identities \(keys 1\.\.10\)/);

  const labels = new Map(fs.readFileSync(path.join(dir, 'train.labels.txt'), 'utf8').trim().split('\n').map((l) => l.split('\t') as [string, string]).map(([name, label]) => [Number(label), name]));
  const { images, identities } = readWithPython(path.join(dir, 'train.rec'));
  assert.deepEqual(images.map((r) => r.key), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'keys 1..N, no hole where the broken image was');
  assert.deepEqual(images.map((r) => r.id), images.map((r) => r.key), 'each image id is its key');
  // Each identity's images under consecutive keys, identities in label order; each image under its folder's label.
  assert.deepEqual(images.map((r) => r.label), [...images.map((r) => r.label)].sort((a, b) => a - b));
  for (const r of images) assert.ok(PEOPLE[labels.get(r.label)!]!.includes(r.size[0]), `key ${r.key}: a ${r.size[0]}-wide image of ${labels.get(r.label)}`);
  assert.deepEqual(images.map((r) => r.size[0]).sort(), Object.values(PEOPLE).flat().sort());
  assert.deepEqual(
    identities.map((r) => [r.identity, r.id, r.bytes]),
    [11, 12, 13, 14].map((k) => [k, k, 0]),
  );
  for (const { range } of identities) {
    const inside = images.filter((r) => r.key >= range[0] && r.key < range[1]);
    assert.equal(new Set(inside.map((r) => r.label)).size, 1, `identity range ${range} holds one identity`);
    assert.equal(inside.length, PEOPLE[labels.get(inside[0]!.label)!]!.length);
  }
  assert.deepEqual((await recordFileInfo(path.join(dir, 'train.rec'))).layout, {
    kind: 'insightface',
    images: 10,
    identities: 4,
    imageKeys: [1, 11],
    identityKeys: [11, 15],
    notes: [],
  });
  const info = runBin('rec', ['info', 'train.rec'], { cwd: dir });
  assert.match(info.stdout, /readers: .*rec flatten train\.rec -o FLAT\.rec/);
});

test('a face pack interrupted and resumed gives the bytes of one run', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'faces');
  await makeFolders(root);
  // Labels out of order and interleaved, as a shuffled list has them; each file 8 times, for batches (of 16) to interrupt.
  const once = Object.entries(PEOPLE).flatMap(([person, widths], label) => widths.map((w) => ({ label, file: `${person}/${w}.jpg` })));
  const files = Array.from({ length: 8 }, () => once).flat();
  const list = files.map((f, i) => `${i}\t${f.label}\t${f.file}\n`).reverse().join('');
  fs.writeFileSync(path.join(dir, 'all.lst'), list);
  const base = { list: path.join(dir, 'all.lst'), root, dialect: { kind: 'tab' } as const, layout: 'insightface' as const, threads: 1, fsync: false };
  await pack({ ...base, output: path.join(dir, 'whole.rec') });

  const controller = new AbortController();
  const stopped = await pack({ ...base, output: path.join(dir, 'resumed.rec'), signal: controller.signal, onProgress: (p) => p.written >= 16 && controller.abort() });
  assert.ok(stopped.interrupted && stopped.written < files.length, `stopped after ${stopped.written} images`);
  await pack({ ...base, output: path.join(dir, 'resumed.rec'), resume: true });
  assert.deepEqual(fs.readFileSync(path.join(dir, 'resumed.rec')), fs.readFileSync(path.join(dir, 'whole.rec')));
  assert.deepEqual(fs.readFileSync(path.join(dir, 'resumed.idx')), fs.readFileSync(path.join(dir, 'whole.idx')));
  await assert.rejects(pack({ ...base, output: path.join(dir, 'x.rec'), packLabel: true }), /packLabel: expected one label per image with layout insightface/);
});
