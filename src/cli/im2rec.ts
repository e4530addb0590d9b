/**
 * `im2rec`: reserved for the packer (both MXNet command lines). Until it lands
 * it explains itself instead of failing obscurely.
 */
import { version } from './version.js';

export async function main(argv: string[] = process.argv): Promise<void> {
  const args = argv.slice(2);
  if (args.includes('-V') || args.includes('--version')) {
    process.stdout.write(`${version}\n`);
    return;
  }
  const text =
    'Usage: im2rec PREFIX ROOT [options]          (im2rec.py form)\n' +
    '       im2rec LIST ROOT OUT.rec [key=value]  (im2rec.cc form)\n\n' +
    'Packing images is not available in this version of mxrec yet. The RecordIO core is:\n' +
    'see `rec --help` (dump, index, verify) and the library API in the README.\n';
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(text);
    return;
  }
  process.stderr.write(`im2rec: not available in this version yet\n\n${text}`);
  process.exitCode = 2;
}
