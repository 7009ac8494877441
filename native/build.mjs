// Native kernels: builds build/tfjs_native.node with the system C compiler (no node-gyp, no downloads).
// `node native/build.mjs --optional` (npm's postinstall) never fails the install: the engine then runs on plain wasm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');
const say = (s) => { if (!quiet) console.log(`native kernels: ${s}`); };

function headerDir() {
  const candidates = [process.env.NODE_API_HEADERS, join(dirname(dirname(process.execPath)), 'include', 'node')];
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include'));
  } catch { /* optional package */ }
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
}

function compiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
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
  const out = join(here, 'build');
  const tmp = join(out, 'obj');
  mkdirSync(tmp, { recursive: true });
  // CFLAGS (e.g. -DTN_BUSY_RUNS_ALONE, -fsanitize=thread) are appended, for experiments and sanitizer builds.
  const extra = (process.env.CFLAGS ?? '').split(/\s+/).filter(Boolean);
  const common = ['-O3', '-std=gnu11', '-fPIC', '-pthread', '-fvisibility=hidden', '-fno-math-errno', '-Wall', '-Wno-psabi', `-I${inc}`, ...extra];
  const x86 = process.arch === 'x64' || process.arch === 'ia32';
  const units = [
    ['pool.c', []], ['gemm.c', []], ['conv.c', []], ['pooling.c', []], ['reduce.c', []], ['eltwise.c', []], ['batchnorm.c', []],
    ['avgpool.c', []], ['dropout.c', []], ['optim.c', ['-ffp-contract=off']], ['addon.c', []], ['gemm_blas.c', []],
    ['gemm_kernel.c', ['-DTN_VARIANT=generic', '-Wno-psabi'], 'gemm_generic.o'],
    ...(x86 ? [['gemm_kernel.c', ['-DTN_VARIANT=avx2', '-mavx2', '-mfma'], 'gemm_avx2.o'],
      ['gemm_kernel.c', ['-DTN_VARIANT=avx512', '-DTN_WIDE', '-mavx512f'], 'gemm_avx512.o']] : []),
    // Activations: no FP traps assumed, so the selects vectorise; the AVX2 build without contraction gives the same bits.
    ['activation.c', ['-fno-trapping-math']],
    ...(x86 ? [['activation.c', ['-fno-trapping-math', '-DTN_ACT_AVX2', '-mavx2', '-ffp-contract=off'], 'activation_avx2.o']] : []),
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
  const target = join(out, 'tfjs_native.node');
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
