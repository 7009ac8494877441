// Backend layer: why @tensorflow/tfjs-node-gpu cannot use CUDA here, from its load error and the libraries it needs.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** tfjs-node-gpu 4.x bundles libtensorflow 2.9, built against these. */
export const CUDA_NEEDS = 'tfjs-node-gpu needs an NVIDIA driver with CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8)';

/** The CUDA libraries libtensorflow 2.9 opens on Linux; any one missing keeps TensorFlow on the CPU. */
export const CUDA_LIBRARIES = [
  'libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10',
  'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8',
] as const;

// Linux: "libcudart.so.11.0: cannot open shared object file"; TensorFlow's dso_loader: "Could not load dynamic library
// 'libcudnn.so.8'"; Windows: "cudart64_110.dll not found"; macOS: "Library not loaded: @rpath/libcudart.11.0.dylib".
const LIBRARY = /(?:lib)?(?:cuda|cudart|cublas(?:Lt)?|cufft|curand|cusolver|cusparse|cudnn|nvinfer|nvrtc|tensorflow)[\w.-]*?(?:\.so(?:\.\d+)*|\.dll|\.dylib)/g;

/** The shared libraries an error text says could not be loaded, each once, in order of mention. */
export function missingLibraries(errorText: string): string[] {
  const found: string[] = [];
  for (const line of errorText.split(/\r?\n/)) {
    // Only lines that report a failure: TensorFlow also logs the libraries it did open.
    if (!/cannot open|could not load|not found|no such file|not loaded|cannot find|specified module could not be found|image not found/i.test(line)) continue;
    for (const m of line.matchAll(LIBRARY)) {
      const name = m[0].replace(/^@rpath\//, '');
      if (!found.includes(name)) found.push(name);
    }
  }
  return found;
}

/**
 * The skipped-backend reason for tfjs-node-gpu from the error (or TensorFlow's log) of loading it: names what is
 * missing and what tfjs-node-gpu needs.
 */
export function cudaReason(errorText: string): string {
  const missing = missingLibraries(errorText);
  const first = errorText.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  if (missing.some((m) => /tensorflow/.test(m)) && !missing.some((m) => /cu|nv/.test(m))) {
    return `@tensorflow/tfjs-node-gpu is installed but its libtensorflow is missing (${missing.join(', ')}): reinstall it so its install script can download libtensorflow; ${first}`;
  }
  if (missing.length > 0) return `@tensorflow/tfjs-node-gpu failed to load: ${missing.join(', ')} not found. ${CUDA_NEEDS}`;
  return `@tensorflow/tfjs-node-gpu failed to load: ${first}. ${CUDA_NEEDS}`;
}

/** Folders the dynamic loader searches for CUDA on Linux: LD_LIBRARY_PATH, the usual CUDA install, the system's. */
function libraryDirs(env: NodeJS.ProcessEnv): string[] {
  return [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    ...(env.CUDA_HOME ? [path.join(env.CUDA_HOME, 'lib64')] : []),
    '/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib',
  ];
}

/**
 * The CUDA libraries tfjs-node-gpu needs that are in none of the loader's usual folders (Linux only; elsewhere []).
 * For the case where the package loads but TensorFlow, missing a library, quietly stays on the CPU.
 */
export function cudaLibrariesNotFound(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  if (platform !== 'linux') return [];
  const dirs = libraryDirs(env);
  return CUDA_LIBRARIES.filter((lib) => !dirs.some((d) => existsSync(path.join(d, lib))));
}
