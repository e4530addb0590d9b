// asBuffer lives in util/as-buffer.ts (a pure byte helper that the format core needs without io).
// Kept while src/tools/view/ still imports it from here; remove once those imports point to util/.
export { asBuffer } from '../util/as-buffer.js';
