// Bench tool: builds conv-dnnl.cpp against our conv.c (default GEMM dispatch) and Debian's libdnnl-dev, runs it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const out = join(here, '..', 'build', 'conv-dnnl');
mkdirSync(dirname(out), { recursive: true });
const o = ['-O3', '-pthread', '-fno-math-errno', '-Wno-psabi'];
const objs = [];
const unit = (file, flags, name) => {
  const obj = `${out}-${name}.o`;
  execFileSync('cc', [...o, '-std=gnu11', ...flags, '-c', join(src, file), '-o', obj], { stdio: 'inherit' });
  objs.push(obj);
};
unit('gemm_kernel.c', ['-DTN_VARIANT=generic'], 'generic');
unit('gemm_kernel.c', ['-DTN_VARIANT=avx2', '-mavx2', '-mfma'], 'avx2');
unit('gemm_kernel.c', ['-DTN_VARIANT=avx512', '-DTN_WIDE', '-mavx512f'], 'avx512');
for (const u of ['gemm_blas', 'gemm', 'conv', 'winograd', 'pool']) unit(`${u}.c`, [], u);
execFileSync('c++', [...o, join(here, 'conv-dnnl.cpp'), ...objs, '-o', out, '-ldnnl', '-ldl', '-lm'], { stdio: 'inherit' });
const threads = process.argv[2] ?? '2';
execFileSync(out, [threads], { stdio: 'inherit', env: { ...process.env, OMP_NUM_THREADS: threads } });
