// s3:// outputs appear together or not at all (issue 34, item 4), and the
// SDK's failures are told by their codes, not by words in their messages
// (item 9): a proxy in front of the test S3 server fails one chosen key, or
// answers as a store in another region, or with a listing that is not one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { RecordWriter } from '../../src/format/writer.js';
import { isOneLineError, runBinAsync } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { fixture } from '../helpers/fixtures.js';
import { SECRET, startS3 } from '../helpers/s3.js';
import { type ProxyRule, failKey, s3ErrorBody, startS3Proxy } from '../helpers/s3-proxy.js';
import { tempDir } from '../helpers/tmp.js';

const s3 = await startS3(['data']);
const proxy = await startS3Proxy(s3);
const env = proxy.env;
const dir = tempDir('mxrec-s3-publish-');
const small = path.join(dir, 'pets.rec');
fs.copyFileSync(fixture('gray-glyphs/val.rec'), small);

// A .rec of 12 MB: two parts of a multipart upload.
const large = path.join(dir, 'big.rec');
{
  const writer = RecordWriter.create(large, { indexPath: path.join(dir, 'big.idx') });
  const record = Buffer.alloc(300_000, 7);
  for (let i = 0; i < 40; i++) {
    record.writeUInt32LE(i, 0);
    writer.write(record, i);
  }
  writer.close();
}

/** The keys under a prefix in the bucket (read past the proxy). */
const keys = (prefix: string) => s3.keys('data', prefix);

/** Runs with `rule` in force; the log then holds this run's requests only. */
async function runWith(rule: ProxyRule | null, name: 'rec' | 'im2rec', args: string[]) {
  proxy.log.length = 0;
  proxy.rule = rule;
  try {
    return await runBinAsync(name, args, { env });
  } finally {
    proxy.rule = null;
  }
}

function failed(res: { status: number | null; stderr: string }, expected: RegExp): void {
  assert.equal(res.status, 2, res.stderr);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.match(res.stderr, expected);
  assert.doesNotMatch(res.stderr, /X-Amz-|Signature|S3RVER/);
  assert.ok(!res.stderr.includes(SECRET));
}

/** Positions in the log of the requests matching `re`. */
const where = (log: string[], re: RegExp) => log.flatMap((line, i) => (re.test(line) ? [i] : []));

describe('a .rec and its .idx in a bucket appear together or not at all', () => {
  test('rec shuffle, small .rec: the .idx upload fails (HTTP 500), no .rec is left, a rerun works', async () => {
    const args = ['shuffle', small, '-o', 's3://data/o/p3.rec', '--seed', '1', '-q'];
    failed(await runWith(failKey('data/o/p3.idx'), 'rec', args), /s3:\/\/data\/o\/p3\.idx: cannot write: HTTP 500 InternalError/);
    assert.deepEqual(await keys('o/p3'), []);
    assert.deepEqual(where(proxy.log, /^PUT data\/o\/p3\.rec/), [], 'the .rec was never sent');
    const again = await runWith(null, 'rec', args);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(await keys('o/p3'), ['o/p3.idx', 'o/p3.rec']);
    assert.equal((await s3.get('data', 'o/p3.rec'))!.length, fs.statSync(small).size);
  });

  test('rec shuffle, .rec of two parts: the .idx fails, the multipart .rec is never completed; completed after the .idx on a rerun', async () => {
    const args = ['shuffle', large, '-o', 's3://data/o/big.rec', '--seed', '1', '-q'];
    failed(await runWith(failKey('data/o/big.idx'), 'rec', args), /s3:\/\/data\/o\/big\.idx: cannot write: HTTP 500 InternalError/);
    assert.deepEqual(await keys('o/big'), []);
    assert.ok(where(proxy.log, /^PUT data\/o\/big\.rec\?.*partNumber=/).length >= 2, proxy.log.join('\n'));
    assert.deepEqual(where(proxy.log, /^POST data\/o\/big\.rec\?.*uploadId=/), [], `completed:\n${proxy.log.join('\n')}`);

    const again = await runWith(null, 'rec', args);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(await keys('o/big'), ['o/big.idx', 'o/big.rec']);
    assert.equal((await s3.get('data', 'o/big.rec'))!.length, fs.statSync(large).size);
    // Every byte of both was up before either was published: the parts, then the .idx, then the .rec's completion.
    const parts = where(proxy.log, /^PUT data\/o\/big\.rec\?.*partNumber=/);
    const [idx] = where(proxy.log, /^PUT data\/o\/big\.idx/);
    const [complete] = where(proxy.log, /^POST data\/o\/big\.rec\?.*uploadId=/);
    assert.ok(Math.max(...parts) < idx! && idx! < complete!, proxy.log.join('\n'));
  });

  test('rec shuffle: the .rec\'s last part fails, the .idx is never published', async () => {
    const fail: ProxyRule = (req) => (req.method === 'PUT' && req.path === 'data/o/late.rec' && /partNumber=2\b/.test(req.query) ? { status: 500, body: s3ErrorBody('InternalError', 'try again') } : undefined);
    failed(await runWith(fail, 'rec', ['shuffle', large, '-o', 's3://data/o/late.rec', '-q']), /s3:\/\/data\/o\/late\.rec: cannot write: HTTP 500 InternalError/);
    assert.deepEqual(await keys('o/late'), []);
    assert.deepEqual(where(proxy.log, /^PUT data\/o\/late\.idx/), [], proxy.log.join('\n'));
  });

  describe('im2rec', async () => {
    const corpus = await makeCorpus({ count: 12 });
    const listed = await runBinAsync('im2rec', [path.join(dir, 'set'), corpus, '--list', '--recursive', '-q']);
    assert.equal(listed.status, 0, listed.stderr);
    await s3.put('data', 'im/set.lst', fs.readFileSync(path.join(dir, 'set.lst')));

    test('small .rec: the .idx upload fails, no .rec is left, a rerun works', async () => {
      const args = ['s3://data/im/set', corpus, '--resize', '32', '-q'];
      failed(await runWith(failKey('data/im/set.idx'), 'im2rec', args), /s3:\/\/data\/im\/set\.idx: cannot write: HTTP 500 InternalError/);
      assert.deepEqual(await keys('im/set.'), ['im/set.lst']);
      const again = await runWith(null, 'im2rec', args);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(await keys('im/set.'), ['im/set.idx', 'im/set.lst', 'im/set.rec']);
    });

    test('.rec of two parts (images stored as they are): the .idx fails, the .rec is never completed', async () => {
      // Noise compresses badly: six 1200² JPEGs of about 2 MB each.
      const noisy = path.join(dir, 'noisy');
      fs.mkdirSync(path.join(noisy, 'a'), { recursive: true });
      const lines: string[] = [];
      for (let i = 0; i < 6; i++) {
        const pixels = Buffer.alloc(1200 * 1200 * 3);
        for (let j = 0; j < pixels.length; j++) pixels[j] = (Math.imul(j + 1, 2654435761 + i * 7919) >>> 13) & 255;
        await sharp(pixels, { raw: { width: 1200, height: 1200, channels: 3 } }).jpeg({ quality: 98 }).toFile(path.join(noisy, 'a', `${i}.jpg`));
        lines.push(`${i}\t0\ta/${i}.jpg`);
      }
      await s3.put('data', 'im/noisy.lst', `${lines.join('\n')}\n`);
      const args = ['s3://data/im/noisy', noisy, '--pass-through', '-q'];
      failed(await runWith(failKey('data/im/noisy.idx'), 'im2rec', args), /s3:\/\/data\/im\/noisy\.idx: cannot write: HTTP 500 InternalError/);
      assert.deepEqual(await keys('im/noisy.'), ['im/noisy.lst']);
      assert.ok(where(proxy.log, /^PUT data\/im\/noisy\.rec\?.*partNumber=/).length >= 2, proxy.log.join('\n'));
      assert.deepEqual(where(proxy.log, /^POST data\/im\/noisy\.rec\?.*uploadId=/), []);
      const again = await runWith(null, 'im2rec', args);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(await keys('im/noisy.'), ['im/noisy.idx', 'im/noisy.lst', 'im/noisy.rec']);
      const parts = where(proxy.log, /^PUT data\/im\/noisy\.rec\?.*partNumber=/);
      const [idx] = where(proxy.log, /^PUT data\/im\/noisy\.idx/);
      const [complete] = where(proxy.log, /^POST data\/im\/noisy\.rec\?.*uploadId=/);
      assert.ok(Math.max(...parts) < idx! && idx! < complete!, proxy.log.join('\n'));
    });
  });
});

describe('S3 failures are told by their codes', () => {
  const listRule = (rule: ProxyRule): ProxyRule => (req) => (req.method === 'GET' && /list-type=2/.test(req.query) ? rule(req) : undefined);
  const wrongRegion: ProxyRule = () => ({
    status: 400,
    headers: { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' },
    body: s3ErrorBody('AuthorizationHeaderMalformed', "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", '<Region>eu-west-1</Region>'),
  });

  test('a bucket in another region: the listing and the upload say which region, not "no AWS region set"', async () => {
    const listing = await runWith(listRule(wrongRegion), 'im2rec', ['s3://data/lists/r', 's3://data/imgs/', '--list', '--recursive']);
    failed(listing, /^im2rec: s3:\/\/data\/imgs\/: cannot list: the bucket is in another AWS region, eu-west-1 \(set AWS_REGION, or the profile's region, to it\)\n$/);
    const writes: ProxyRule = (req) => (req.method === 'PUT' || req.method === 'POST' ? wrongRegion(req) : undefined);
    const upload = await runWith(writes, 'rec', ['shuffle', small, '-o', 's3://data/region/x.rec']);
    failed(upload, /s3:\/\/data\/region\/x\.(rec|idx): cannot write: the bucket is in another AWS region, eu-west-1 \(set AWS_REGION/);
    assert.deepEqual(await keys('region/'), []);
  });

  test('words in a message do not decide: a malformed credential is not "no credentials", a region the server names oddly is not printed', async () => {
    const malformed: ProxyRule = () => ({
      status: 400,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorBody('AuthorizationHeaderMalformed', 'The authorization header is malformed; the Credential is mal-formed; expecting "&lt;YOUR-AKID&gt;/YYYYMMDD/REGION/SERVICE/aws4_request".'),
    });
    const res = await runWith(listRule(malformed), 'im2rec', ['s3://data/lists/m', 's3://data/imgs/', '--list', '--recursive']);
    failed(res, /^im2rec: s3:\/\/data\/imgs\/: cannot list: HTTP 400 AuthorizationHeaderMalformed\n$/);
    const odd: ProxyRule = () => ({ status: 400, headers: { 'content-type': 'application/xml' }, body: s3ErrorBody('AuthorizationHeaderMalformed', 'x', '<Region>eu-west-1\u001b[2J see http://evil</Region>') });
    const shown = await runWith(listRule(odd), 'im2rec', ['s3://data/lists/m', 's3://data/imgs/', '--list', '--recursive']);
    failed(shown, /^im2rec: s3:\/\/data\/imgs\/: cannot list: the bucket is in another AWS region \(set AWS_REGION, or the profile's region, to it\)\n$/);
    const code: ProxyRule = () => ({ status: 400, headers: { 'content-type': 'application/xml' }, body: s3ErrorBody('Bad\u001b[2JCode see http://evil', 'x') });
    failed(await runWith(listRule(code), 'im2rec', ['s3://data/lists/m', 's3://data/imgs/', '--list', '--recursive']), /^im2rec: s3:\/\/data\/imgs\/: cannot list: HTTP 400\n$/);
  });

  test('a listing answered with something that is not one: said so, not "HTTP 200"', async () => {
    const garbage: ProxyRule = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Welcome to <b>the portal</body></html>' });
    const res = await runWith(listRule(garbage), 'im2rec', ['s3://data/lists/g', 's3://data/imgs/', '--list', '--recursive']);
    failed(res, /^im2rec: s3:\/\/data\/imgs\/: cannot list: the server's answer \(HTTP 200\) could not be read as S3's answer to that request\n$/);
  });

  test('no region anywhere: "no AWS region set"', async () => {
    const res = await runBinAsync('im2rec', ['s3://data/lists/n', 's3://data/imgs/', '--list', '--recursive'], {
      // Credentials in the environment (AWS_PROFILE too would make the SDK warn of two sources).
      env: { ...env, AWS_REGION: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    failed(res, /^im2rec: s3:\/\/data\/(imgs\/|lists\/n\.lst): no AWS region set \(AWS_REGION, or a region in the profile\)\n$/);
  });

  test('no region and no credentials: both said at once, not one run each', async () => {
    const res = await runBinAsync('im2rec', ['s3://data/lists/n', 's3://data/imgs/', '--list', '--recursive'], {
      env: { ...env, AWS_REGION: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    failed(res, /^im2rec: s3:\/\/data\/(imgs\/|lists\/n\.lst): no AWS region set \(AWS_REGION, or a region in the profile\), and no AWS credentials found \(AWS_ACCESS_KEY_ID/);
  });
});
