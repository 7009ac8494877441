// Engine data layer: reads one IDX file off disk (gunzip off the main thread) and checks its content against Fashion-MNIST.
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { webcrypto } from 'node:crypto';
import { IMAGE_SIZE, NUM_CLASSES } from '../../../shared/classes.js';
import { DataError } from './errors.js';
import { parseIdx, isGzip, gzipError, type IdxArray } from './idx.js';
import { EXPECTED_SHA256, FULL_COUNTS, type FileKey } from './files.js';

const gunzipAsync = promisify(gunzip);

export interface LoadedIdx extends IdxArray {
  file: string;
  /** SHA-256 (hex) of the decompressed file. */
  sha256: string;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // WebCrypto hashes on the libuv pool, so hashing 47 MB does not stall the UI host's event loop.
  const digest = await webcrypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('hex');
}

/** Reads, gunzips (asynchronously) if needed, parses and hashes one file. */
export async function readIdxFile(file: string): Promise<LoadedIdx> {
  let bytes: Uint8Array;
  try {
    const buf = await readFile(file);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new DataError(`${file}: cannot read (${why})`, file);
  }
  if (isGzip(bytes)) {
    try {
      const out = await gunzipAsync(bytes);
      bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      throw gzipError(file, err);
    }
  }
  const parsed = parseIdx(bytes, file);
  return { ...parsed, file, sha256: await sha256Hex(bytes) };
}

const isImages = (key: FileKey) => key === 'trainImages' || key === 'testImages';

/** Checks shape and label range; with strict, also the full Fashion-MNIST counts. */
export function checkContent(key: FileKey, idx: LoadedIdx, strict: boolean): void {
  const { file, dims } = idx;
  if (isImages(key)) {
    if (dims.length !== 3) {
      throw new DataError(`${file}: expected an image file (magic 0x00000803, 3 dimensions) but found a ${dims.length}-dimensional one — labels and images swapped?`, file);
    }
    if (dims[1] !== IMAGE_SIZE || dims[2] !== IMAGE_SIZE) {
      throw new DataError(`${file}: images are ${dims[1]} × ${dims[2]}; Fashion-MNIST images are ${IMAGE_SIZE} × ${IMAGE_SIZE}`, file);
    }
  } else {
    if (dims.length !== 1) {
      throw new DataError(`${file}: expected a label file (magic 0x00000801, 1 dimension) but found a ${dims.length}-dimensional one — labels and images swapped?`, file);
    }
    const labels = idx.data;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] >= NUM_CLASSES) {
        throw new DataError(`${file}: label ${labels[i]} at index ${i} is out of range; labels must be 0–${NUM_CLASSES - 1}`, file);
      }
    }
  }
  if (strict) {
    const want = key.startsWith('train') ? FULL_COUNTS.train : FULL_COUNTS.test;
    if (dims[0] !== want) {
      throw new DataError(
        `${file}: holds ${dims[0]} ${isImages(key) ? 'images' : 'labels'}; the full Fashion-MNIST ${key.startsWith('train') ? 'training' : 'test'} file has ${want}`,
        file,
      );
    }
  }
}

/** Image and label files of one split must describe the same number of samples. */
export function checkPair(images: LoadedIdx, labels: LoadedIdx): void {
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(
      `${images.file} holds ${images.dims[0]} images but ${labels.file} holds ${labels.dims[0]} labels; the counts must agree (files from different sets?)`,
      labels.file,
    );
  }
}

export function checksumMatches(key: FileKey, idx: LoadedIdx): boolean {
  return idx.sha256 === EXPECTED_SHA256[key];
}
