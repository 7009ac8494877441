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
    """Conv2D, DepthwiseConv2D (groups = channels, channels · depthMultiplier outputs) and SeparableConv2D (that
    depthwise step, then a 1×1 pointwise conv carrying the bias), with Keras's dilation and 'same' padding."""
    c, h, w = shape
    t = layer['type']
    (kh, kw), (sh, sw) = pair(layer['kernelSize']), pair(layer['strides'])
    dh, dw = pair(layer.get('dilationRate') or 1)
    # The window a dilated kernel spans, which is what 'same' pads for and 'valid' fits.
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    spatial_out = c * layer.get('depthMultiplier', 1) if t != 'Conv2D' else layer['filters']
    groups = 1 if t == 'Conv2D' else c
    bias = layer['useBias'] and t != 'SeparableConv2D'
    mods, padding = [], 0
    if layer['padding'] == 'same':
        (pt, pb), (pl, pr) = same_pads(h, eh, sh), same_pads(w, ew, sw)
        if pt == pb and pl == pr:
            padding = (pt, pl)
        else:
            mods.append(nn.ZeroPad2d((pl, pr, pt, pb)))
    mods.append(nn.Conv2d(c, spatial_out, (kh, kw), (sh, sw), padding=padding, dilation=(dh, dw), groups=groups, bias=bias))
    if t == 'SeparableConv2D':
        mods.append(nn.Conv2d(spatial_out, layer['filters'], 1, bias=layer['useBias']))
    channels = spatial_out if t == 'DepthwiseConv2D' else layer['filters']
    out = (channels, window_out(h, eh, sh, layer['padding']), window_out(w, ew, sw, layer['padding']))
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


class ChannelLayerNorm(nn.LayerNorm):
    """Keras's LayerNormalization (axis=-1: over the channels of each pixel) on a channels-first tensor."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class GaussianNoise(nn.Module):
    """Keras's GaussianNoise: adds N(0, stddev²) noise while training, the identity at inference."""

    def __init__(self, stddev):
        super().__init__()
        self.stddev = stddev

    def forward(self, x):
        return x + torch.randn_like(x) * self.stddev if self.training and self.stddev > 0 else x


class PReLU(nn.Module):
    """Keras's PReLU: max(x, 0) + alpha · min(x, 0), one learnt slope per element of the sample, shared along
    `sharedAxes` (1-based over Keras's H, W, C, here laid out as C, H, W). Slopes start at zero, as Keras's."""

    def __init__(self, shape, shared_axes):
        super().__init__()
        alpha = list(shape)
        for a in shared_axes or []:
            alpha[{1: 1, 2: 2, 3: 0}[a] if len(shape) == 3 else a - 1] = 1
        self.alpha = nn.Parameter(torch.zeros(alpha))

    def forward(self, x):
        return torch.relu(x) - self.alpha * torch.relu(-x)


class Merge(nn.Module):
    """Add (element-wise sum) or Concatenate (along the channel axis, Keras's last axis, which is torch's dim 1)."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, *xs):
        if self.kind == 'Add':
            y = xs[0]
            for x in xs[1:]:
                y = y + x
            return y
        return torch.cat(xs, dim=1)


class Graph(nn.Module):
    """A spec with "inputs": layer i's block applied to the outputs its inputs name (-1: the model input)."""

    def __init__(self, blocks, inbound):
        super().__init__()
        self.blocks, self.inbound = nn.ModuleList(blocks), inbound
        # Drop each output once no later layer reads it.
        last_use = {}
        for i, src in enumerate(inbound):
            for j in src:
                last_use[j] = i
        self.free_after = [[j for j in src if last_use[j] == i and j >= 0] for i, src in enumerate(inbound)]

    def forward(self, x):
        outs = {}
        for i, (block, src) in enumerate(zip(self.blocks, self.inbound)):
            outs[i] = block(*[x if j < 0 else outs[j] for j in src])
            for j in self.free_after[i]:
                del outs[j]
        return outs[len(self.blocks) - 1]


def resolve_inbound(layers):
    """Each layer's input indices as shared/model/graph.ts resolves them: its "inputs" by name, else the previous layer."""
    names = {l['name']: i for i, l in enumerate(layers) if l.get('name')}
    inbound = []
    for i, layer in enumerate(layers):
        if 'inputs' not in layer:
            inbound.append([i - 1])
            continue
        src = []
        for n in layer['inputs']:
            if n == 'input':
                src.append(-1)
            elif n in names and names[n] < i:
                src.append(names[n])
            else:
                raise SpecError(f"layer {i + 1} ({layer['type']}): inputs name \"{n}\", which is not an earlier layer")
        inbound.append(src)
    return inbound


def zero_padding(p):
    """Keras's forms n, [rows, cols], [[top, bottom], [left, right]] as ((top, bottom), (left, right))."""
    if isinstance(p, int):
        return (p, p), (p, p)
    if isinstance(p[0], int):
        return (p[0], p[0]), (p[1], p[1])
    return tuple(p[0]), tuple(p[1])


def translate(layer, shapes, where):
    """The torch modules of one spec layer and its per-sample output shape (channels first), from its input shapes."""
    t, shape = layer['type'], shapes[0]
    if t == 'Dense':
        return [nn.Linear(shape[0], layer['units'], bias=layer['useBias'])] + activation(layer['activation'], where), (layer['units'],)
    if t in ('Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'):
        return conv(layer, shape, where)
    if t in ('MaxPooling2D', 'AveragePooling2D'):
        return pool(layer, shape, 'max' if t == 'MaxPooling2D' else 'avg')
    if t == 'Flatten':
        return [nn.Flatten()], (math.prod(shape),)
    if t == 'Dropout':
        return [nn.Dropout(layer['rate'])], shape
    if t == 'BatchNormalization':
        # Keras's momentum m keeps m of the old moving statistics; torch's momentum is the share of the new batch.
        bn = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return [bn(shape[0], eps=layer['epsilon'], momentum=1 - layer['momentum'])], shape
    if t == 'GlobalAveragePooling2D':
        return [nn.AdaptiveAvgPool2d(1), nn.Flatten()], (shape[0],)
    if t == 'GlobalMaxPooling2D':
        return [nn.AdaptiveMaxPool2d(1), nn.Flatten()], (shape[0],)
    if t == 'LayerNormalization':
        norm = ChannelLayerNorm if len(shape) == 3 else nn.LayerNorm
        return [norm(shape[0], eps=layer['epsilon'])], shape
    if t == 'ZeroPadding2D':
        (pt, pb), (pl, pr) = zero_padding(layer['padding'])
        return [nn.ZeroPad2d((pl, pr, pt, pb))], (shape[0], shape[1] + pt + pb, shape[2] + pl + pr)
    if t == 'SpatialDropout2D':
        # Drops whole channels of each sample, as Keras's SpatialDropout2D.
        return [nn.Dropout2d(layer['rate'])], shape
    if t == 'GaussianNoise':
        return [GaussianNoise(layer['stddev'])], shape
    if t == 'LeakyReLU':
        return [nn.LeakyReLU(layer['alpha'])], shape
    if t == 'PReLU':
        return [PReLU(shape, layer.get('sharedAxes'))], shape
    if t == 'Add':
        if any(s != shape for s in shapes):
            raise SpecError(f'{where}: Add needs inputs of one shape; they are {shapes}')
        return [Merge('Add')], shape
    if t == 'Concatenate':
        if any(s[1:] != shape[1:] for s in shapes):
            raise SpecError(f'{where}: Concatenate needs inputs that differ in channels only; they are {shapes}')
        return [Merge('Concatenate')], (sum(s[0] for s in shapes),) + tuple(shape[1:])
    raise SpecError(f'{where}: layer type "{t}" has no PyTorch translation in bench/torch_bench.py')


def build(spec):
    """A module computing what the engine's tfjs model computes (channels first), checked shape by shape: an
    nn.Sequential for a chain, a Graph when some layer names its "inputs" or merges. `model.spec_blocks[i]` lists the
    modules of spec layer i (for loading weights layer by layer)."""
    input_shape = (784,) if list(spec['inputShape']) == [784] else (1, 28, 28)
    layers = spec['layers']
    is_graph = any('inputs' in l or l['type'] in ('Add', 'Concatenate') for l in layers)
    inbound = resolve_inbound(layers)
    shapes, blocks, probes = {-1: input_shape}, [], {-1: torch.zeros(2, *input_shape)}
    for i, layer in enumerate(layers):
        where = f"layer {i + 1} ({layer['type']})"
        mods, out = translate(layer, [shapes[j] for j in inbound[i]], where)
        block = mods[0] if len(mods) == 1 and isinstance(mods[0], Merge) else nn.Sequential(*mods)
        blocks.append(block)
        # A translation that disagrees with Keras's shapes would time a different model: fail instead.
        with torch.no_grad():
            probes[i] = block.eval()(*[probes[j] for j in inbound[i]])
        got = tuple(probes[i].shape[1:])
        if got != out:
            raise SpecError(f'{where}: PyTorch translation gives {got}, the spec {out}')
        shapes[i] = out
    model = Graph(blocks, inbound) if is_graph else nn.Sequential(*[m for b in blocks for m in b])
    model.spec_blocks = [list(b) if isinstance(b, nn.Sequential) else [b] for b in blocks]
    return model.train(), input_shape


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
