# Bench check: torch_bench.py's translation of a spec computes what the engine's tfjs model computes. Reads, on stdin,
# JSON cases from bench/equivalence.ts (the tfjs model's weights, an input, its eval-mode output); prints max |diff| per model.
import json, os, sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import PReLU, build  # noqa: E402


def tensor(w, perm=None):
    return torch.from_numpy((w if perm is None else w.transpose(*perm)).copy())


def load(model, case, shape):
    """Copies tfjs weights in, spec layer by spec layer: conv kernels HWIO → OIHW (depthwise [kh, kw, C, M] → [C·M, 1,
    kh, kw]), Dense [in, out] → [out, in] with rows after a Flatten from HWC to CHW order, PReLU slopes HWC → CHW."""
    if len(model.spec_blocks) != len(case['layers']):
        raise ValueError(f"{case['model']}: {len(model.spec_blocks)} torch blocks, {len(case['layers'])} tfjs layers")
    with torch.no_grad():
        for i, (mods, l) in enumerate(zip(model.spec_blocks, case['layers'])):
            w = [np.array(t['data'], dtype=np.float32).reshape(t['shape']) for t in l['weights']]
            params = [m for m in mods if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, PReLU))]
            where = f"{case['model']} layer {i + 1} ({l['type']})"
            if not w:
                if params:
                    raise ValueError(f'{where}: torch has weights, tfjs none')
                continue
            t = l['type']
            if t in ('Conv2D', 'Dense'):
                k = w[0]
                if t == 'Conv2D':
                    k = k.transpose(3, 2, 0, 1)
                else:
                    if l.get('flattenedFrom'):
                        h, wd, c = l['flattenedFrom']
                        k = k.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(h * wd * c, -1)
                    k = k.T
                params[0].weight.copy_(tensor(k))
                if len(w) > 1:
                    params[0].bias.copy_(tensor(w[1]))
            elif t in ('DepthwiseConv2D', 'SeparableConv2D'):
                kh, kw, c, m = w[0].shape
                params[0].weight.copy_(tensor(w[0].transpose(2, 3, 0, 1).reshape(c * m, 1, kh, kw)))
                rest = w[1:]
                if t == 'SeparableConv2D':
                    params[1].weight.copy_(tensor(rest[0], (3, 2, 0, 1)))
                    rest = rest[1:]
                if rest:
                    params[-1].bias.copy_(tensor(rest[0]))
            elif t == 'BatchNormalization':
                for target, value in zip((params[0].weight, params[0].bias, params[0].running_mean, params[0].running_var), w):
                    target.copy_(tensor(value))
            elif t == 'LayerNormalization':
                params[0].weight.copy_(tensor(w[0]))
                params[0].bias.copy_(tensor(w[1]))
            elif t == 'PReLU':
                a = w[0] if w[0].ndim == 1 else w[0].transpose(2, 0, 1)
                params[0].alpha.copy_(tensor(a.reshape(params[0].alpha.shape)))
            else:
                raise ValueError(f'{where}: tfjs weights of a layer kind torch_equiv.py does not load')


def main():
    out = {}
    for case in json.load(sys.stdin):
        model, shape = build(case['spec'])
        load(model, case, shape)
        n = len(case['x']) // int(np.prod(case['spec']['inputShape']))
        x = np.array(case['x'], dtype=np.float32).reshape(n, *case['spec']['inputShape'])
        x = x.reshape(n, -1) if len(shape) == 1 else x.transpose(0, 3, 1, 2).copy()
        y = model.eval()(torch.from_numpy(x)).detach().numpy()
        out[case['model']] = float(np.abs(y - np.array(case['y'], dtype=np.float32).reshape(y.shape)).max())
    print(json.dumps(out))


main()
