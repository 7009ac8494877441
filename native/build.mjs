// Native kernels: builds build/tfjs_native.node with the system C compiler (no node-gyp, no downloads).
// `node native/build.mjs --optional` (npm's postinstall) never fails the install: the engine then runs on plain wasm.
// `--prebuild [--arch arm64|x64] [--out DIR]` builds the binary shipped to users without a compiler instead, into
// prebuilds/<platform>-<arch>/ under node-gyp-build's naming (Node-API, so one file serves every Node and Electron);
// with another --arch it cross-compiles (CC, else <triple>-gcc, e.g. Debian's gcc-aarch64-linux-gnu).
// Builds are reproducible: no paths, dates or build machine in the output (see prebuild.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');
const prebuild = process.argv.includes('--prebuild');
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const arch = option('--arch') ?? process.arch;
const CROSS = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu' };
const say = (s) => { if (!quiet) console.log(`native kernels: ${s}`); };

function headerDir() {
  const candidates = [process.env.NODE_API_HEADERS, join(dirname(dirname(process.execPath)), 'include', 'node')];
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include'));
  } catch { /* optional package */ }
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
}

function compiler() {
  const cross = arch !== process.arch;
  if (cross && process.platform !== 'linux') throw new Error(`cross-compiling for ${arch} is wired for Linux only`);
  const names = cross ? [process.env.CC, `${CROSS[arch]}-gcc`] : [process.env.CC, 'cc', 'gcc', 'clang'];
  for (const cc of names.filter(Boolean)) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch { /* try the next */ }
  }
  return null;
}

function build() {
  if (process.platform === 'win32') throw new Error('building on Windows is not supported yet (needs MSVC wiring)');
  const cc = compiler();
  if (!cc) throw new Error('no C compiler found (install build-essential, or set CC)');
  const inc = headerDir();
  if (!inc) throw new Error(`node_api.h not found beside ${process.execPath} (install Node's headers or the node-api-headers package)`);
  const out = prebuild ? (option('--out') ?? join(here, 'prebuilds', `${process.platform}-${arch}`)) : join(here, 'build');
  const tmp = join(out, 'obj');
  mkdirSync(tmp, { recursive: true });
  // CFLAGS (e.g. -DTN_BUSY_RUNS_ALONE, -fsanitize=thread) are appended, for experiments and sanitizer builds.
  // Not for a prebuild: what ships is built from the sources alone.
  const extra = prebuild ? [] : (process.env.CFLAGS ?? '').split(/\s+/).filter(Boolean);
  // The prefix maps keep the checkout's and Node's paths out of the binary (assert's __FILE__), so builds are reproducible.
  const common = ['-O3', '-std=gnu11', '-fPIC', '-pthread', '-fvisibility=hidden', '-fno-math-errno', '-Wall', '-Wno-psabi', `-I${inc}`,
    `-ffile-prefix-map=${here}=native`, `-ffile-prefix-map=${inc}=node`, ...extra];
  const x86 = arch === 'x64' || arch === 'ia32';
  const units = [
    ['pool.c', []], ['gemm.c', []], ['conv.c', []], ['conv_implicit.c', ['-Wno-psabi']], ['winograd.c', []], ['conv_dilated.c', []], ['pooling.c', []], ['pool2_relu.c', []], ['relu6_pool.c', ['-fno-trapping-math', '-ffp-contract=off']], ['reduce.c', []], ['eltwise.c', []], ['eltbw.c', ['-ffp-contract=off', '-fno-trapping-math', '-Wno-psabi']], ['batchnorm.c', []],
    ['avgpool.c', []], ['dropout.c', []], ['depthwise.c', ['-ffp-contract=off']], ['copy.c', []], ['pad.c', []], ['layernorm.c', ['-ffp-contract=off']], ['broadcast.c', ['-fno-trapping-math']], ['optim.c', ['-ffp-contract=off']], ['noise.c', ['-ffp-contract=off', '-fno-trapping-math']], ['addon.c', []], ['gemm_blas.c', []],
    ['gemm_kernel.c', ['-DTN_VARIANT=generic', '-Wno-psabi'], 'gemm_generic.o'],
    ...(x86 ? [['gemm_kernel.c', ['-DTN_VARIANT=avx2', '-mavx2', '-mfma'], 'gemm_avx2.o'],
      ['gemm_kernel.c', ['-DTN_VARIANT=avx512', '-DTN_WIDE', '-mavx512f'], 'gemm_avx512.o']] : []),
    // The direct strided convolution: AVX-512 only (elsewhere it compiles to "not covered").
    ['conv_direct.c', x86 ? ['-mavx512f'] : []],
    // The direct dilated convolution: AVX-512 only (elsewhere it compiles to "not covered").
    ['conv_dilated_direct.c', x86 ? ['-mavx512f'] : []],
    // Depthwise convolution with 16 channels per register (depthwise.c calls it on AVX-512 CPUs only), no contraction.
    ['depthwise_avx512.c', x86 ? ['-mavx512f', '-ffp-contract=off'] : ['-ffp-contract=off']],
    // Activations: no FP traps assumed, so the selects vectorise; the AVX2 build without contraction gives the same bits.
    ['activation.c', ['-fno-trapping-math']],
    ...(x86 ? [['activation.c', ['-fno-trapping-math', '-DTN_ACT_AVX2', '-mavx2', '-ffp-contract=off'], 'activation_avx2.o']] : []),
    // GaussianNoise's value pass 8 pairs at a time (noise.c calls it on x86-64 CPUs with AVX-512F/DQ).
    ...(arch === 'x64' ? [['noise_vec.c', ['-ffp-contract=off', '-fno-trapping-math', '-DTN_NOISE_AVX512', '-mavx512f', '-mavx512dq'], 'noise_vec.o']] : []),
    ...(x86 ? [['activation.c', ['-fno-trapping-math', '-DTN_ACT_AVX512', '-mavx512f', '-mavx512dq', '-mavx512vl', '-mavx512bw', '-mprefer-vector-width=512', '-ffp-contract=off'], 'activation_avx512.o']] : []),
  ];
  const objs = [];
  for (const [src, flags, obj = src.replace(/\.c$/, '.o')] of units) {
    const o = join(tmp, obj);
    execFileSync(cc, [...common, ...flags, '-c', join(here, 'src', src), '-o', o], { stdio: quiet ? 'pipe' : 'inherit' });
    objs.push(o);
  }
  // Node unloads an addon when the last worker thread that loaded it exits; the pool's parked threads and the
  // per-thread scratch destructors live in this library, so it must never be unmapped (-z nodelete). macOS does not
  // unload bundles that use thread-local storage.
  const linkFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-Wl,-z,nodelete'];
  // node-gyp-build's tags: runtime node + napi loads in any Node or Electron; glibc keeps it off musl systems.
  const name = prebuild ? `node.napi${process.platform === 'linux' ? '.glibc' : ''}.node` : 'tfjs_native.node';
  const target = join(out, name);
  execFileSync(cc, ['-shared', '-pthread', ...objs, '-o', `${target}.tmp`, '-lm', ...(process.platform === 'linux' ? ['-ldl'] : []), ...linkFlags], { stdio: quiet ? 'pipe' : 'inherit' });
  renameSync(`${target}.tmp`, target);
  rmSync(tmp, { recursive: true, force: true });
  return { cc, target };
}

try {
  const { cc, target } = build();
  say(`built ${target} with ${cc}`);
} catch (e) {
  const msg = e instanceof Error ? e.message : String(e);
  if (!optional) {
    console.error(`native kernels: build failed: ${msg}`);
    process.exit(1);
  }
  say(`not built (${msg.split('\n')[0]}); training falls back to the plain wasm kernels`);
}
