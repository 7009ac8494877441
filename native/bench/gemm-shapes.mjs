// Bench tool: builds and runs gemm-shapes.c (our GEMM variants vs OpenBLAS on the seed CNN's shapes), 1 and 2 threads.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const out = join(here, '..', 'build', 'gemm-shapes');
mkdirSync(dirname(out), { recursive: true });
const cc = process.env.CC ?? 'cc';
const o = ['-O3', '-std=gnu11', '-pthread', '-fno-math-errno', '-Wno-psabi'];
const objs = [];
const unit = (file, flags, name) => {
  const obj = `${out}-${name}.o`;
  execFileSync(cc, [...o, ...flags, '-c', join(src, file), '-o', obj], { stdio: 'inherit' });
  objs.push(obj);
};
unit('gemm_kernel.c', ['-DTN_VARIANT=generic'], 'generic');
unit('gemm_kernel.c', ['-DTN_VARIANT=avx2', '-mavx2', '-mfma'], 'avx2');
unit('gemm_kernel.c', ['-DTN_VARIANT=avx512', '-DTN_WIDE', '-mavx512f'], 'avx512');
unit('gemm_blas.c', [], 'blas');
unit('pool.c', [], 'pool');
execFileSync(cc, [...o, join(here, 'gemm-shapes.c'), ...objs, '-o', out, '-ldl', '-lm'], { stdio: 'inherit' });
for (const t of process.argv.slice(2).length ? process.argv.slice(2) : ['1', '2']) execFileSync(out, [t], { stdio: 'inherit' });
