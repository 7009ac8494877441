import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { parseIdx } from '../../../electron/engine/data/idx.js';
import { DataError } from '../../../electron/engine/data/errors.js';
import { idxBytes } from '../../helpers/idxFixtures.js';

const FILE = '/data/train-images-idx3-ubyte.gz';

function images(count: number): Uint8Array {
  const data = new Uint8Array(count * 784);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  return idxBytes('images', data, count);
}

function expectDataError(fn: () => unknown, problem: RegExp, file = FILE): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DataError);
  const e = caught as DataError;
  expect(e.message).toContain(file);
  expect(e.file).toBe(file);
  expect(e.message).toMatch(problem);
}

describe('parseIdx', () => {
  it('parses raw image and label files', () => {
    const img = parseIdx(images(3), FILE);
    expect(img.dims).toEqual([3, 28, 28]);
    expect(img.data.length).toBe(3 * 784);
    expect(img.data[5]).toBe(35);
    expect(img.data[784]).toBe((784 * 7) % 256);
    const lab = parseIdx(idxBytes('labels', Uint8Array.of(3, 1, 4), 3), 'labels');
    expect(lab.dims).toEqual([3]);
    expect(Array.from(lab.data)).toEqual([3, 1, 4]);
  });

  it('gunzips when the bytes start with 1f 8b and yields the same array', () => {
    const raw = images(4);
    const fromRaw = parseIdx(raw, FILE);
    const fromGz = parseIdx(gzipSync(raw), FILE);
    expect(fromGz.dims).toEqual(fromRaw.dims);
    expect(Buffer.compare(Buffer.from(fromGz.data), Buffer.from(fromRaw.data))).toBe(0);
  });

  it('returns a plain Uint8Array view even when handed a Buffer', () => {
    const out = parseIdx(Buffer.from(images(1)), FILE);
    expect(Object.getPrototypeOf(out.data)).toBe(Uint8Array.prototype);
  });

  it('rejects a truncated gzip, naming the file', () => {
    const gz = gzipSync(images(20));
    expectDataError(() => parseIdx(gz.subarray(0, Math.floor(gz.length / 2)), FILE), /gzip data is truncated/);
  });

  it('rejects corrupt gzip data', () => {
    const gz = Buffer.from(gzipSync(images(2)));
    gz[3] = 0xff; // reserved flag bits: zlib refuses the header
    expectDataError(() => parseIdx(gz, FILE), /gzip data is corrupt/);
  });

  it('rejects a wrong magic number, showing it', () => {
    const bad = images(1);
    bad[2] = 0x0d; // float element type
    expectDataError(() => parseIdx(bad, FILE), /wrong magic number 0x00000d03/);
    const html = new TextEncoder().encode('<html><body>Not Found</body></html>');
    expectDataError(() => parseIdx(html, FILE), /wrong magic number 0x3c68746d/);
  });

  it('rejects a 2-dimensional ubyte file as wrong magic', () => {
    const bad = images(1);
    bad[3] = 2;
    expectDataError(() => parseIdx(bad, FILE), /wrong magic number 0x00000802/);
  });

  it('rejects short data: header counts more than the file holds', () => {
    const raw = images(5);
    expectDataError(() => parseIdx(raw.subarray(0, raw.length - 100), FILE), /5 × 28 × 28 = 3920 bytes .* holds 3820; the file is truncated/);
    // wrong count in the header: says 6 images, holds 5
    const lying = idxBytes('images', raw.subarray(16), 6);
    expectDataError(() => parseIdx(lying, FILE), /holds 3920; the file is truncated/);
  });

  it('rejects extra bytes after the data', () => {
    const lab = idxBytes('labels', Uint8Array.of(1, 2, 3, 4), 3);
    expectDataError(() => parseIdx(lab, FILE), /3 = 3 bytes of data but the file holds 4; there are extra bytes/);
  });

  it('rejects empty files and cut headers', () => {
    expectDataError(() => parseIdx(new Uint8Array(0), FILE), /only 0 bytes, too short for an IDX header/);
    expectDataError(() => parseIdx(images(1).subarray(0, 10), FILE), /header is cut short \(10 bytes, need 16/);
  });
});
