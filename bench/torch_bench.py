# Bench helper: PyTorch's side of the side-by-side measurement. Reads one JSON request a line on stdin,
# answers one JSON line on stdout, so that Node can interleave its own runs with these.
# Models are built from the engine's own model spec (bench/model-set.ts), translated layer by layer below.
import json, math, os, re, resource, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {
    'linear': None, 'relu': nn.ReLU, 'relu6': nn.ReLU6, 'elu': nn.ELU, 'selu': nn.SELU, 'sigmoid': nn.Sigmoid,
    'tanh': nn.Tanh, 'softmax': lambda: nn.Softmax(dim=1), 'softplus': nn.Softplus, 'swish': nn.SiLU,
    # tfjs's 'gelu' is the erf form, as is torch's default.
    'gelu': nn.GELU,
}


class SpecError(Exception):
    pass


def pair(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def same_pads(n, k, s):
    """Keras/TF 'same': output ceil(n/s), padding split with the extra row/column at the end."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def window_out(n, k, s, padding):
    return -(-n // s) if padding == 'same' else (n - k) // s + 1


class SamePool(nn.Module):
    """'same' pooling whose padding torch's own pooling cannot express (uneven split): pad, pool, and for
    averages divide by the count of real cells, as Keras does."""

    def __init__(self, kind, k, s, pads):
        super().__init__()
        self.kind, self.k, self.s, self.pads = kind, k, s, pads

    def forward(self, x):
        if self.kind == 'max':
            return F.max_pool2d(F.pad(x, self.pads, value=-math.inf), self.k, self.s)
        ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
        count = F.avg_pool2d(F.pad(ones, self.pads), self.k, self.s)
        return F.avg_pool2d(F.pad(x, self.pads), self.k, self.s) / count


def activation(name, where):
    if name not in ACTIVATIONS:
        raise SpecError(f'{where}: activation "{name}" has no PyTorch translation in bench/torch_bench.py')
    make = ACTIVATIONS[name]
    return [] if make is None else [make()]


def conv(layer, shape, where):
    c, h, w = shape
    (kh, kw), (sh, sw) = pair(layer['kernelSize']), pair(layer['strides'])
    mods = []
    if layer['padding'] == 'same':
        (pt, pb), (pl, pr) = same_pads(h, kh, sh), same_pads(w, kw, sw)
        if pt == pb and pl == pr:
            mods.append(nn.Conv2d(c, layer['filters'], (kh, kw), (sh, sw), padding=(pt, pl), bias=layer['useBias']))
        else:
            mods += [nn.ZeroPad2d((pl, pr, pt, pb)), nn.Conv2d(c, layer['filters'], (kh, kw), (sh, sw), bias=layer['useBias'])]
    else:
        mods.append(nn.Conv2d(c, layer['filters'], (kh, kw), (sh, sw), bias=layer['useBias']))
    out = (layer['filters'], window_out(h, kh, sh, layer['padding']), window_out(w, kw, sw, layer['padding']))
    return mods + activation(layer['activation'], where), out


def pool(layer, shape, kind):
    c, h, w = shape
    k = pair(layer['poolSize'])
    s = pair(layer['strides']) if layer.get('strides') is not None else k
    out = (c, window_out(h, k[0], s[0], layer['padding']), window_out(w, k[1], s[1], layer['padding']))
    if layer['padding'] == 'valid':
        return [nn.MaxPool2d(k, s) if kind == 'max' else nn.AvgPool2d(k, s)], out
    (pt, pb), (pl, pr) = same_pads(h, k[0], s[0]), same_pads(w, k[1], s[1])
    if pt == pb and pl == pr and pt <= k[0] // 2 and pl <= k[1] // 2:
        # torch pads max pooling with -inf and, with count_include_pad=False, averages over real cells only: Keras's 'same'.
        return [nn.MaxPool2d(k, s, (pt, pl)) if kind == 'max' else nn.AvgPool2d(k, s, (pt, pl), count_include_pad=False)], out
    if pt == 0 and pl == 0:
        # Only the end is padded: ceil_mode clips the last windows, averaging over real cells.
        return [nn.MaxPool2d(k, s, ceil_mode=True) if kind == 'max' else nn.AvgPool2d(k, s, ceil_mode=True)], out
    return [SamePool(kind, k, s, (pl, pr, pt, pb))], out


def build(spec):
    """nn.Sequential computing what the engine's tfjs model computes (channels first), checked shape by shape."""
    shape = (784,) if list(spec['inputShape']) == [784] else (1, 28, 28)
    input_shape = shape
    mods = []
    for i, layer in enumerate(spec['layers']):
        t, where = layer['type'], f"layer {i + 1} ({layer['type']})"
        if t == 'Dense':
            add = [nn.Linear(shape[0], layer['units'], bias=layer['useBias'])] + activation(layer['activation'], where)
            out = (layer['units'],)
        elif t == 'Conv2D':
            add, out = conv(layer, shape, where)
        elif t in ('MaxPooling2D', 'AveragePooling2D'):
            add, out = pool(layer, shape, 'max' if t == 'MaxPooling2D' else 'avg')
        elif t == 'Flatten':
            add, out = [nn.Flatten()], (math.prod(shape),)
        elif t == 'Dropout':
            add, out = [nn.Dropout(layer['rate'])], shape
        elif t == 'BatchNormalization':
            # Keras's momentum m keeps m of the old moving statistics; torch's momentum is the share of the new batch.
            bn = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            add, out = [bn(shape[0], eps=layer['epsilon'], momentum=1 - layer['momentum'])], shape
        elif t == 'GlobalAveragePooling2D':
            add, out = [nn.AdaptiveAvgPool2d(1), nn.Flatten()], (shape[0],)
        else:
            raise SpecError(f'{where}: layer type "{t}" has no PyTorch translation in bench/torch_bench.py')
        mods += add
        # A translation that disagrees with Keras's shapes would time a different model: fail instead.
        got = tuple(nn.Sequential(*mods).eval()(torch.zeros(2, *input_shape)).shape[1:])
        if got != out:
            raise SpecError(f'{where}: PyTorch translation gives {got}, the spec {out}')
        shape = out
    return nn.Sequential(*mods), input_shape


state = {}


def setup(req):
    key = (req['model'], req['batch'])
    if key not in state:
        torch.manual_seed(0)
        m, shape = build(req['spec'])
        # Same optimiser and loss as the engine's step: Adam 1e-3, clipped log of softmax outputs.
        opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        xs = [torch.rand(req['batch'], *shape) for _ in range(4)]
        ys = [torch.randint(0, 10, (req['batch'],)) for _ in range(4)]
        state[key] = (m, opt, xs, ys, shape)
    return state[key]


def batches_for(seconds, per_batch, minimum, maximum=100000):
    return max(minimum, min(maximum, math.ceil(seconds / max(per_batch, 1e-6))))


def train(req):
    m, opt, xs, ys, _ = setup(req)
    m.train()

    def step(i):
        x, y = xs[i % 4], ys[i % 4]
        opt.zero_grad()
        p = m(x)
        loss = -torch.log(p.clamp(1e-7, 1 - 1e-7)).gather(1, y[:, None]).mean()
        loss.backward()
        opt.step()
        correct = (p.argmax(1) == y).sum()
        return loss.item(), correct.item()

    t = time.perf_counter()
    for i in range(req['warmup']):
        step(i)
    per_batch = (time.perf_counter() - t) / max(req['warmup'], 1)
    n = req.get('batches') or batches_for(req['seconds'], per_batch, req['minBatches'])
    t = time.perf_counter()
    for i in range(n):
        step(i)
    return n * req['batch'] / (time.perf_counter() - t), n


def infer(req):
    m, _, _, _, shape = setup(req)
    m.eval()
    count = req['inferCount']
    x = torch.rand(count, *shape)
    with torch.no_grad():
        t = time.perf_counter()
        m(x).numpy()
        once = time.perf_counter() - t
        repeats = req.get('inferRepeats') or batches_for(req['inferSeconds'], once, 1, 50)
        t = time.perf_counter()
        for _ in range(repeats):
            m(x).numpy()
    return repeats * count / (time.perf_counter() - t), repeats


def openblas_corename(path):
    import ctypes
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for name in ('openblas_get_corename', 'openblas_get_corename64_', 'scipy_openblas_get_corename64_'):
        f = getattr(lib, name, None)
        if f is not None:
            f.restype = ctypes.c_char_p
            return f().decode()
    return None


def blas_info():
    """Which BLAS torch's Linear layers really call: Debian's torch links libblas.so.3, which the alternatives system
    may point at the reference BLAS (5-7x slower Linear layers) or at OpenBLAS."""
    cfg = torch.__config__.show()
    declared = (re.search(r'BLAS_INFO=(\w+)', cfg) or [None, '?'])[1]
    maps = open('/proc/self/maps').read()
    libs = sorted({os.path.realpath(p) for p in re.findall(r'(/\S*(?:blas|blis|mkl)\S*\.so[\w.]*)', maps)})
    openblas = [p for p in libs if 'openblas' in p]
    info = {'declared': declared, 'libs': libs, 'openblas': bool(openblas), 'blis': any('blis' in p for p in libs),
            'mkl': any('mkl' in p for p in libs), 'corename': openblas_corename(openblas[0]) if openblas else None}
    info['reference'] = not (info['openblas'] or info['blis'] or info['mkl'])
    try:
        import threadpoolctl
        info['threadpoolctl'] = threadpoolctl.threadpool_info()
    except ImportError:
        pass
    # What an addmm (a Linear layer) reaches at a size where BLAS quality shows.
    a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
    torch.mm(a, b)
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * 1024 ** 3 / (time.perf_counter() - t) / 1e9)
    info['mmGflops'] = best
    return info


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    hello = {'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas_info(),
             'onednn': torch.backends.mkldnn.is_available(),
             'env': {k: os.environ[k] for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'OMP_WAIT_POLICY') if k in os.environ}}
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            tr, n = train(req)
            inf, reps = infer(req)
            out = {'train': tr, 'trainBatches': n, 'infer': inf, 'inferRepeats': reps,
                   'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        except SpecError as e:
            out = {'error': str(e)}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
