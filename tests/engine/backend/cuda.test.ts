// Tests the reason given when @tensorflow/tfjs-node-gpu cannot use CUDA: real load errors and TensorFlow log lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, cudaLibrariesNotFound, cudaReason, missingLibraries } from '../../../electron/engine/backend/cuda.js';

// As Node reports a failed dlopen of tfjs_binding.node (linked against CUDA) and as libtensorflow 2.9's dso_loader logs it.
const NODE_DLOPEN = 'libcudart.so.11.0: cannot open shared object file: No such file or directory';
const TF_LOG = [
  "2026-11-27 12:00:01.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: /usr/local/nvidia/lib:/usr/local/nvidia/lib64",
  "2026-11-27 12:00:01.223456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: /usr/local/nvidia/lib:/usr/local/nvidia/lib64",
  "2026-11-27 12:00:01.323456: I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Successfully opened dynamic library libcublas.so.11",
  '2026-11-27 12:00:01.423456: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU.',
].join('\n');
const NO_LIBTENSORFLOW = 'libtensorflow.so.2: cannot open shared object file: No such file or directory';
const WINDOWS = 'Could not load dynamic library \'cudart64_110.dll\'; dlerror: cudart64_110.dll not found';

describe('CUDA load errors', () => {
  it('names the CUDA runtime from Node\'s dlopen error, and what tfjs-node-gpu needs', () => {
    expect(missingLibraries(NODE_DLOPEN)).toEqual(['libcudart.so.11.0']);
    const reason = cudaReason(NODE_DLOPEN);
    expect(reason).toContain('libcudart.so.11.0 not found');
    expect(reason).toContain('CUDA 11.2 and cuDNN 8.1');
  });

  it('names every library TensorFlow could not open, not the ones it did', () => {
    expect(missingLibraries(TF_LOG)).toEqual(['libcudart.so.11.0', 'libcudnn.so.8']);
    expect(cudaReason(TF_LOG)).toMatch(/libcudart\.so\.11\.0, libcudnn\.so\.8 not found/);
  });

  it('tells a missing libtensorflow (broken install) apart from missing CUDA', () => {
    expect(cudaReason(NO_LIBTENSORFLOW)).toMatch(/libtensorflow is missing \(libtensorflow\.so\.2\).*reinstall/);
  });

  it('reads Windows DLL names', () => {
    expect(missingLibraries(WINDOWS)).toEqual(['cudart64_110.dll']);
  });

  it('keeps the first line of an error it cannot parse', () => {
    const reason = cudaReason('Error: The specified procedure could not be located.\n    at Module._extensions..node');
    expect(reason).toContain('The specified procedure could not be located.');
    expect(reason).toContain('CUDA 11.2');
  });

  it('finds which CUDA libraries are in none of the loader\'s folders', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-cuda-'));
    try {
      for (const lib of CUDA_LIBRARIES.filter((l) => l !== 'libcudnn.so.8')) writeFileSync(path.join(dir, lib), '');
      const missing = cudaLibrariesNotFound({ LD_LIBRARY_PATH: dir }, 'linux');
      // The system folders may hold a real cuDNN; none of the others can be missing.
      expect(missing.every((l) => l === 'libcudnn.so.8')).toBe(true);
      expect(cudaLibrariesNotFound({}, 'darwin')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
