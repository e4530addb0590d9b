/**
 * Loads the libjpeg-turbo addon that `npm ci` builds (native/, binding.gyp).
 * It is optional: when it failed to build, `native` is null and every
 * operation goes through sharp instead; `nativeStatus` says why and how to fix it.
 */
import { loadAddon } from '../native/load-addon.js';

/** The addon's surface, as native/src/addon.cc defines it. */
export interface NativeSpec {
  gray?: boolean;
  crop?: [number, number, number, number];
  width?: number;
  height?: number;
  filter?: number;
  maxPixels?: number;
  quality?: number;
  /** transcodeBatch: the input is decoded pixels [width, height, channels], not a JPEG. */
  pixels?: [number, number, number];
  mirror?: boolean;
  mean?: number[];
  std?: number[];
  scale?: number;
}
export interface NativeFailure {
  error: string;
  code: string;
}
export interface NativeTranscoded {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  warnings: number;
}
export interface NativeAddon {
  libjpegTurbo: string;
  /** Which build of the resize and RGB-to-planes loops runs (native/src/resize.cc, MXREC_SIMD). */
  simd: 'avx2' | 'baseline';
  header(input: Uint8Array): { width: number; height: number; channels: number; progressive: boolean };
  transcodeBatch(
    jobs: { input: Uint8Array; spec: NativeSpec }[],
    done: (err: Error | null, results: (NativeTranscoded | NativeFailure)[]) => void,
  ): void;
  decodeIntoBatch(
    jobs: { input: Uint8Array; spec: NativeSpec; out: Float32Array | Uint8Array; offset: number }[],
    done: (err: Error | null, results: ({ warnings: number } | NativeFailure)[]) => void,
  ): void;
}

const loaded = loadAddon<NativeAddon>('mxrec_jpeg');
export const native: NativeAddon | null = loaded.addon;

/**
 * How the JPEG addon stands, in words for `--version`: why JPEGs go through
 * sharp when they do (not built; switched off; built but not loadable).
 */
export function nativeInWords(): string {
  if (native) return `native libjpeg-turbo ${native.libjpegTurbo}`;
  if (process.env.MXREC_NO_NATIVE === '1') return 'sharp, the native addon is off (MXREC_NO_NATIVE=1)';
  if (!loaded.built) return 'sharp, the native addon is not built';
  return `sharp, the native addon did not load (${loaded.reason})`;
}

export const nativeStatus = {
  available: native !== null,
  libjpegTurbo: native?.libjpegTurbo ?? null,
  /**
   * Which build of the addon's pixel loops runs, chosen once per process: `'avx2'` when the CPU has
   * AVX2 and the environment's `MXREC_SIMD` is not `baseline`, else `'baseline'`; null without the addon.
   */
  simd: native?.simd ?? null,
  /** Empty when available. */
  reason: loaded.reason,
  hint:
    'JPEG work is going through sharp, 2-3x slower. For the libjpeg-turbo fast path install a C++ compiler ' +
    'and libjpeg-turbo headers (Debian: apt-get install g++ libjpeg62-turbo-dev), then run `npm rebuild mxrec` ' +
    '(or `npm run build:native` in a checkout).',
};
