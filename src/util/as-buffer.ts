/** The same bytes as a Buffer, without copying (Uint8Arrays from other sources are viewed, not copied). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
