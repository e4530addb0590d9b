// The layers of src/, as ARCHITECTURE.md states them, enforced by
// test/docs/layers.test.ts (npx depcruise src): each folder may import only
// itself and the folders listed for it, and nothing imports in a circle.
//
//   cli → exchange → im2rec, iter, tools → format, codec → io → native, util
//
// im2rec, iter and tools are peers: what two of them share belongs lower.
// exchange (export and import) builds on the tools' rewriting.
const mayImport = {
  util: [],
  native: ['util'],
  io: ['native', 'util'],
  format: ['io', 'native', 'util'],
  codec: ['io', 'native', 'util'],
  im2rec: ['format', 'codec', 'io', 'native', 'util'],
  iter: ['format', 'codec', 'io', 'native', 'util'],
  tools: ['format', 'codec', 'io', 'native', 'util'],
  exchange: ['tools', 'format', 'codec', 'io', 'native', 'util'],
  cli: ['exchange', 'im2rec', 'iter', 'tools', 'format', 'codec', 'io', 'native', 'util'],
};

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'modules that import each other', from: {}, to: { circular: true } },
    ...Object.entries(mayImport).map(([layer, allowed]) => ({
      name: `${layer}-imports-only-${allowed.join('-') || 'itself'}`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: [`^src/(${[layer, ...allowed].join('|')})/`] },
    })),
    {
      name: 'public-api-without-cli',
      severity: 'error',
      comment: 'src/index.ts is the library; the CLI sits on top of it, not inside it',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'features-name-no-transport',
      severity: 'error',
      comment: 'the features read and write through the store (io/locations.ts: storeOf); HTTP and S3 live in io/remote/ alone',
      from: { path: '^src/(format|codec|im2rec|iter|tools|exchange|cli)/' },
      to: { path: '^src/io/remote/' },
    },
    { name: 'no-unknown-folder', severity: 'error', from: { path: '^src/' }, to: { path: `^src/(?!(${Object.keys(mayImport).join('|')})/|index\\.ts$)` } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
