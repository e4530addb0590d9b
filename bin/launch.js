// Loads a compiled CLI from dist/, with a clear message when the package has not been built.
export async function launch(name, modulePath) {
  const url = new URL(modulePath, import.meta.url);
  let mod;
  try {
    mod = await import(url);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(url.pathname)) {
      process.stderr.write(`${name}: mxrec is not built (no ${url.pathname}); run \`npm run build\` (npm ci does it)\n`);
      process.exit(2);
    }
    throw err;
  }
  await mod.main(process.argv);
}
