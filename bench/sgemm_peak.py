# Bench helper: the machine's float32 GEMM peak as numpy's OpenBLAS reaches it (large square SGEMM, best of a few).
# bench/peak.ts runs it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed and the thread count set; prints one JSON line.
import ctypes, json, os, re, sys, time

import numpy as np


def blas():
    """Which BLAS numpy runs and which kernel OpenBLAS picked: threadpoolctl when present, else OpenBLAS's own C API."""
    try:
        import threadpoolctl
        pools = [p for p in threadpoolctl.threadpool_info() if p.get('user_api') == 'blas']
        if pools:
            p = pools[0]
            return {'via': 'threadpoolctl', 'library': p.get('internal_api'), 'version': p.get('version'),
                    'corename': p.get('architecture'), 'threads': p.get('num_threads'), 'path': p.get('filepath')}
    except ImportError:
        pass
    maps = open('/proc/self/maps').read()
    for path in sorted(set(re.findall(r'(/\S*openblas\S*\.so[\w.]*)', maps))):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (('', ''), ('', '64_'), ('scipy_', '64_'), ('scipy_', '')):
            core = getattr(lib, f'{prefix}openblas_get_corename{suffix}', None)
            config = getattr(lib, f'{prefix}openblas_get_config{suffix}', None)
            threads = getattr(lib, f'{prefix}openblas_get_num_threads{suffix}', None)
            if core is not None and config is not None:
                core.restype = config.restype = ctypes.c_char_p
                return {'via': 'openblas C API', 'library': 'openblas', 'corename': core().decode(),
                        'config': config().decode().strip(), 'threads': threads() if threads else None, 'path': path}
    return {'via': 'none', 'library': 'not OpenBLAS (no libopenblas loaded)'}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3072
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    runs = []
    for _ in range(reps):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        runs.append(2 * n ** 3 / (time.perf_counter() - t) / 1e9)
    print(json.dumps({'python': sys.executable, 'numpy': np.__version__, 'n': n, 'gflops': max(runs), 'runs': runs,
                      'blas': blas(), 'threadsEnv': os.environ.get('OPENBLAS_NUM_THREADS')}), flush=True)


main()
