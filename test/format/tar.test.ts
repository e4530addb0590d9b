import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TAR_END, readTarMembers, tarHeader } from '../../src/format/tar.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** A ustar header with any type, size text and name (what a hostile tool could write), its checksum right. */
function rawHeader(name: string, o: { type?: string; size?: number; sizeField?: Buffer } = {}): Buffer {
  const h = tarHeader(name.length <= 100 && /^[\x21-\x7e]+$/.test(name) ? name : 'x', 0);
  if (name.length > 100 || !/^[\x21-\x7e]+$/.test(name)) {
    h.fill(0, 0, 100);
    h.write(name, 0, 100, 'utf8');
  }
  if (o.sizeField) o.sizeField.copy(h, 124);
  else h.write(`${(o.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  h.write(o.type ?? '0', 156, 1, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const member = (name: string, data: Buffer, type = '0') => Buffer.concat([rawHeader(name, { type, size: data.length }), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

async function members(bytes: Buffer, maxMemberBytes = 1 << 20): Promise<string[]> {
  const names: string[] = [];
  for await (const m of readTarMembers(new BufferSource(bytes, 'shard.tar'), { maxMemberBytes, maxMemberOption: 'the test cap' })) names.push(`${m.name}:${m.data.length}`);
  return names;
}

describe('tar framing', () => {
  it('reads back what it writes, and pax paths, GNU long names and ustar prefixes from other tools', async () => {
    const pax = Buffer.from('31 path=long/name/from/pax.jpg\n');
    const gnu = Buffer.from(`${'g'.repeat(150)}.cls\0`);
    const prefixed = rawHeader('p.json', { size: 2 });
    prefixed.write('some/prefix', 345, 155, 'ascii');
    prefixed.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of prefixed) sum += b;
    prefixed.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    const bytes = Buffer.concat([
      member('a.jpg', Buffer.from('abc')),
      member('pax', pax, 'x'),
      member('ignored.jpg', Buffer.from('12345')),
      member('././@LongLink', gnu, 'L'),
      member('short', Buffer.from('7')),
      member('folder/', Buffer.alloc(0), '5'),
      prefixed, Buffer.from('{}'), Buffer.alloc(510),
      TAR_END,
    ]);
    assert.deepEqual(await members(bytes), ['a.jpg:3', 'long/name/from/pax.jpg:5', `${'g'.repeat(150)}.cls:1`, 'some/prefix/p.json:2']);
  });

  const hostile: [string, () => Buffer, RegExp][] = [
    ['a name that climbs out', () => member('../evil.jpg', Buffer.from('x')), /climbs out with '\.\.'/],
    ['an absolute name', () => member('/etc/passwd.jpg', Buffer.from('x')), /absolute/],
    ['a symbolic link', () => member('link.jpg', Buffer.alloc(0), '2'), /is a symbolic link; expected regular files/],
    ['a hard link', () => member('hard.jpg', Buffer.alloc(0), '1'), /is a hard link/],
    ['a device', () => member('dev.jpg', Buffer.alloc(0), '3'), /is a character device/],
    ['a 10 GB member in a 1 KB file', () => Buffer.concat([rawHeader('big.jpg', { sizeField: Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 2, 0x54, 0x0b, 0xe4, 0]) }), Buffer.alloc(512)]), /says 10000000000 bytes follow, but the file has 512 left/],
    ['a pax header larger than any real one', () => member('pax', Buffer.alloc(2 << 20, 0x41), 'x'), /an extended header of 2097152 bytes; expected at most 1048576/],
    ['a member past the cap', () => member('huge.jpg', Buffer.alloc(3 << 20)), /is 3145728 bytes; expected at most 1048576 \(the test cap\)/],
    ['a header with a wrong checksum', () => Buffer.from('not a tar file at all'.padEnd(1024, '!')), /expected a tar header \(its checksum does not match\)/],
    ['a file cut inside a header', () => Buffer.concat([member('a.jpg', Buffer.from('x')), Buffer.alloc(100, 1)]), /ends inside a tar header/],
  ];
  for (const [what, make, message] of hostile) {
    it(`refuses ${what}, naming the shard and the byte`, async () => {
      await assert.rejects(members(make()), (err: Error) => message.test(err.message) && /^shard\.tar: byte \d+: /.test(err.message));
    });
  }

  it('rec import of a hostile shard: one line, exit 1, no output, nothing outside', () => {
    const dir = tempDir();
    for (const [i, [what, make]] of hostile.entries()) {
      if (what === 'a member past the cap') continue; // import's cap is 512 MiB: tested above with a small one
      const shard = path.join(dir, `bad-${i}.tar`);
      fs.writeFileSync(shard, Buffer.concat([member('ok.jpg', Buffer.from([0xff, 0xd8, 0xff, 0])), make(), TAR_END]));
      const out = path.join(dir, `out-${i}.rec`);
      const res = runBin('rec', ['import', shard, '-o', out, '-q']);
      assert.equal(res.status, 1, `${shard}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.ok(!fs.existsSync(out) && !fs.existsSync(out.replace(/\.rec$/, '.idx')));
    }
    assert.ok(!fs.existsSync(path.join(dir, '..', 'evil.jpg')));
    assert.deepEqual(fs.readdirSync(dir).filter((n) => !n.startsWith('bad-')), []);
  });
});
