// No secret in any output: a URL's user:pass@ and its query string (a presigned
// signature) never appear in what the commands print, in the reports and pages
// they write, or in the names of the files they make.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { displayBaseName, displayLocation } from '../../src/io/display-name.js';
import { runBinAsync } from '../helpers/cli.js';
import { type TestServer, serveDir } from '../helpers/http-server.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const SECRETS = ['s3cr3t', 'SIGNATURE0123', 'AKIAEXAMPLE', 'X-Amz'];
const query = '?X-Amz-Credential=AKIAEXAMPLE%2F20261130&X-Amz-Signature=SIGNATURE0123';

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows ${secret}:\n${text}`);
}

/** Every file name under `dir`, and the text of the small ones. */
function filesIn(dir: string): { names: string; texts: string } {
  const names: string[] = [];
  const texts: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    names.push(entry.name);
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && fs.statSync(file).size < 1 << 20) texts.push(fs.readFileSync(file, 'latin1'));
  }
  return { names: names.join('\n'), texts: texts.join('\n') };
}

describe('secrets in URLs', () => {
  const served = tempDir('mxrec-secrets-served-');
  let server: TestServer;
  let url: (name: string) => string;

  before(async () => {
    const w = RecordWriter.create(path.join(served, 'ds.rec'), { indexPath: path.join(served, 'ds.idx') });
    for (let i = 0; i < 6; i++) w.write(packImageRecord({ label: i % 2, id: i }, await makeJpeg(64, 48, {}, i + 1)), i);
    w.close();
    // A copy whose .idx points into the middle of a record, so that verify and info report problems.
    fs.copyFileSync(path.join(served, 'ds.rec'), path.join(served, 'bad.rec'));
    fs.writeFileSync(path.join(served, 'bad.idx'), '0\t0\n1\t8\n');
    server = await serveDir(served);
    const base = new URL(server.url);
    url = (name) => `${base.protocol}//reader:s3cr3t@${base.host}/${name}${query}`;
  });
  after(() => server.close());

  test('displayLocation drops user-info, query and fragment; paths stay as given', () => {
    assert.equal(displayLocation('https://u:p@h.example:8443/a/b.rec?X-Amz-Signature=1#f'), 'https://h.example:8443/a/b.rec');
    assert.equal(displayLocation('data/train.rec'), 'data/train.rec');
    assert.equal(displayBaseName('https://h/a/my%2F..%2Fx.rec?sig=1'), 'my%2F..%2Fx.rec');
    assert.equal(displayBaseName('data/train.rec'), 'train.rec');
  });

  test('rec info, verify, dump, view, unpack and iter print, report and write no secret', async () => {
    const cwd = tempDir('mxrec-secrets-cwd-');
    const runs: [string, string[]][] = [
      ['info', ['info', url('ds.rec')]],
      ['info --json', ['info', url('bad.rec'), '--json']],
      ['verify', ['verify', url('bad.rec')]],
      ['verify --json', ['verify', url('bad.rec'), '--json']],
      ['dump --json', ['dump', url('ds.rec'), '--json']],
      ['view', ['view', url('ds.rec'), '--html', 'page.html', '-n', '3']],
      ['view, default name', ['view', url('ds.rec'), '-n', '3']],
      ['unpack --lst', ['unpack', url('ds.rec'), 'unpacked', '--lst']],
      ['iter', ['iter', url('ds.rec'), '--data-shape', '3,32,32', '--batch-size', '2', '--idx', url('ds.idx'), '--shuffle']],
      ['a missing file', ['info', url('missing.rec')]],
      ['a missing file, sync reader', ['index', url('ds.rec')]],
    ];
    for (const [what, args] of runs) {
      const res = await runBinAsync('rec', args, { cwd });
      assert.notEqual(res.status, null, what);
      assertNoSecret(res.stdout + res.stderr, `rec ${what}`);
      if (/info|verify|missing/.test(what)) assert.match(res.stdout + res.stderr, /http:\/\/127\.0\.0\.1:\d+\/(ds|bad|missing)\.(rec|idx)/, `${what} still names the file`);
    }
    const written = filesIn(cwd);
    assertNoSecret(written.names, 'the names of the files written');
    assertNoSecret(written.texts, 'the files written');
    assert.match(written.names, /^ds\.sheet\.png$/m);
    assert.match(written.names, /^ds\.lst$/m);
    assert.match(fs.readFileSync(path.join(cwd, 'page.html'), 'utf8'), /<title>ds\.rec<\/title>/);
  });
});
