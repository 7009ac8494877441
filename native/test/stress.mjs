// Native kernels: builds native/test/stress.c against the kernel sources and runs it.
// `node native/test/stress.mjs [rounds] [--tsan|--asan]`: exit 0 when every concurrent result equals the lone one.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const args = process.argv.slice(2);
const rounds = args.find((a) => /^\d+$/.test(a)) ?? '2000';
const sanitize = args.includes('--tsan') ? ['-fsanitize=thread', '-g'] : args.includes('--asan') ? ['-fsanitize=address', '-g'] : [];
const cc = process.env.CC ?? 'cc';
const x86 = process.arch === 'x64' || process.arch === 'ia32';
const dir = mkdtempSync(join(tmpdir(), 'tn-stress-'));
try {
  const common = ['-O2', '-std=gnu11', '-pthread', '-fno-math-errno', '-Wall', '-Wno-psabi', ...sanitize];
  const objs = [];
  const compile = (file, flags, name) => {
    const o = join(dir, name);
    execFileSync(cc, [...common, ...flags, '-c', file, '-o', o], { stdio: 'inherit' });
    objs.push(o);
  };
  for (const f of ['pool.c', 'gemm.c', 'gemm_blas.c', 'conv.c', 'conv_implicit.c', 'winograd.c', 'conv_dilated.c', 'pooling.c', 'pool2_relu.c', 'relu6_pool.c', 'reduce.c', 'eltwise.c', 'batchnorm.c', 'layernorm.c']) compile(join(src, f), [], f.replace('.c', '.o'));
  compile(join(src, 'dropout.c'), [], 'dropout.o');
  compile(join(src, 'eltbw.c'), ['-ffp-contract=off', '-fno-trapping-math'], 'eltbw.o');
  compile(join(src, 'broadcast.c'), ['-fno-trapping-math'], 'broadcast.o');
  compile(join(src, 'pad.c'), [], 'pad.o');
  // The activations as the addon builds them: plain, and the AVX2 and AVX-512 loops activation.c picks at run time.
  compile(join(src, 'activation.c'), ['-fno-trapping-math'], 'activation.o');
  if (x86) compile(join(src, 'activation.c'), ['-fno-trapping-math', '-DTN_ACT_AVX2', '-mavx2', '-ffp-contract=off'], 'activation_avx2.o');
  if (x86) compile(join(src, 'activation.c'), ['-fno-trapping-math', '-DTN_ACT_AVX512', '-mavx512f', '-mavx512dq', '-mavx512vl', '-mavx512bw', '-mprefer-vector-width=512', '-ffp-contract=off'], 'activation_avx512.o');
  compile(join(src, 'optim.c'), ['-ffp-contract=off'], 'optim.o');
  compile(join(src, 'gemm_kernel.c'), ['-DTN_VARIANT=generic'], 'gemm_generic.o');
  // gemm.c refers to the AVX2 and AVX-512 variants on x86 only; elsewhere only the generic one exists.
  if (x86) compile(join(src, 'gemm_kernel.c'), ['-DTN_VARIANT=avx2', '-mavx2', '-mfma'], 'gemm_avx2.o');
  if (x86) compile(join(src, 'gemm_kernel.c'), ['-DTN_VARIANT=avx512', '-DTN_WIDE', '-mavx512f'], 'gemm_avx512.o');
  // The direct strided convolution: AVX-512 on x86 (elsewhere it compiles to "not covered").
  compile(join(src, 'conv_direct.c'), x86 ? ['-mavx512f'] : [], 'conv_direct.o');
  // The direct dilated convolution (conv_dilated.c calls it) and the depthwise kernels with their AVX-512 register loops.
  compile(join(src, 'conv_dilated_direct.c'), x86 ? ['-mavx512f'] : [], 'conv_dilated_direct.o');
  compile(join(src, 'depthwise.c'), ['-ffp-contract=off'], 'depthwise.o');
  compile(join(src, 'depthwise_avx512.c'), x86 ? ['-mavx512f', '-ffp-contract=off'] : ['-ffp-contract=off'], 'depthwise_avx512.o');
  compile(join(here, 'stress.c'), [], 'stress.o');
  const exe = join(dir, 'stress');
  execFileSync(cc, [...common, ...objs, '-o', exe, '-lm', ...(process.platform === 'linux' ? ['-ldl'] : [])], { stdio: 'inherit' });
  const r = spawnSync(exe, [rounds], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
