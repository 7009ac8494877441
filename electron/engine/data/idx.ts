// Engine data layer: parses IDX files (the MNIST container format), gzipped or raw, into typed arrays.
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.js';

export interface IdxArray {
  dims: number[];
  /** A view into the decompressed bytes (no copy), so byteOffset is the header size. */
  data: Uint8Array;
}

/** IDX magic: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions. */
const UBYTE = 0x08;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Turns a zlib failure into a message that names the file and says what a researcher should do. */
export function gzipError(file: string, err: unknown): DataError {
  const detail = err instanceof Error ? err.message : String(err);
  const what = /unexpected end/i.test(detail)
    ? 'gzip data is truncated (the file ends early; an interrupted download or copy?)'
    : 'gzip data is corrupt';
  return new DataError(`${file}: ${what} (zlib: ${detail}). Delete it and fetch the file again.`, file);
}

export function gunzipFile(bytes: Uint8Array, file: string): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw gzipError(file, err);
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const raw = isGzip(bytes) ? gunzipFile(bytes, file) : bytes;
  if (raw.length < 4) {
    throw new DataError(`${file}: only ${raw.length} bytes, too short for an IDX header (a truncated or empty file?)`, file);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  const ndims = raw[3];
  if (raw[0] !== 0 || raw[1] !== 0 || raw[2] !== UBYTE || (ndims !== 1 && ndims !== 3)) {
    throw new DataError(
      `${file}: wrong magic number ${hex(magic)}; expected 0x00000801 (labels) or 0x00000803 (images) — ` +
        'not an unsigned-byte IDX file (wrong file, or an HTML error page saved under this name?)',
      file,
    );
  }
  const header = 4 + 4 * ndims;
  if (raw.length < header) {
    throw new DataError(`${file}: header is cut short (${raw.length} bytes, need ${header} for ${ndims} dimensions)`, file);
  }
  const dims: number[] = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    expected *= d;
  }
  const found = raw.length - header;
  if (found !== expected) {
    const shape = dims.join(' × ');
    const why = found < expected ? 'the file is truncated' : 'there are extra bytes after the data';
    throw new DataError(`${file}: header says ${shape} = ${expected} bytes of data but the file holds ${found}; ${why}`, file);
  }
  // A plain Uint8Array view even when handed a Buffer, so consumers see one type.
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + header, expected) };
}
