// Loaded with --import by runBinMeasured: at exit, writes the process's peak RSS (KiB) where it is told.
import fs from 'node:fs';

const file = process.env.MXREC_TEST_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
