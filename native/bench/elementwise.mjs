// Bench tool: builds and runs elementwise.c (activations, dropout: each path against the one it replaced), per thread count.
// node native/bench/elementwise.mjs [threads...] (default 1)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const out = join(here, '..', 'build', 'elementwise');
mkdirSync(dirname(out), { recursive: true });
const cc = process.env.CC ?? 'cc';
const x86 = process.arch === 'x64' || process.arch === 'ia32';
const o = ['-O3', '-std=gnu11', '-pthread', '-fno-math-errno', '-Wno-psabi'];
const objs = [];
const unit = (file, flags, name) => {
  const obj = `${out}-${name}.o`;
  execFileSync(cc, [...o, ...flags, '-c', join(src, file), '-o', obj], { stdio: 'inherit' });
  objs.push(obj);
};
// As native/build.mjs builds them.
unit('activation.c', ['-fno-trapping-math'], 'act');
if (x86) unit('activation.c', ['-fno-trapping-math', '-DTN_ACT_AVX2', '-mavx2', '-ffp-contract=off'], 'act-avx2');
if (x86) unit('activation.c', ['-fno-trapping-math', '-DTN_ACT_AVX512', '-mavx512f', '-mavx512dq', '-mavx512vl', '-mavx512bw', '-mprefer-vector-width=512', '-ffp-contract=off'], 'act-avx512');
for (const f of ['dropout', 'reduce', 'pool']) unit(`${f}.c`, [], f);
execFileSync(cc, [...o, join(here, 'elementwise.c'), ...objs, '-o', out, '-ldl', '-lm'], { stdio: 'inherit' });
for (const t of process.argv.slice(2).length ? process.argv.slice(2) : ['1']) execFileSync(out, [t], { stdio: 'inherit' });
