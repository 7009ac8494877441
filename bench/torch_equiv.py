# Bench check: torch_bench.py's translation of a spec computes what the engine's tfjs model computes. Reads, on stdin,
# JSON cases from bench/equivalence.ts (the tfjs model's weights, an input, its eval-mode output); prints max |diff| per model.
import json, os, sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import build  # noqa: E402


def load(model, case, shape):
    """Copies tfjs weights in: kernels HWIO → OIHW, Dense [in, out] → [out, in], rows after a Flatten from HWC to CHW order."""
    mods = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d))]
    layers = [l for l in case['layers'] if l['weights']]
    if len(mods) != len(layers):
        raise ValueError(f"{case['model']}: {len(mods)} torch modules with weights, {len(layers)} tfjs layers")
    with torch.no_grad():
        for mod, l in zip(mods, layers):
            w = [np.array(t['data'], dtype=np.float32).reshape(t['shape']) for t in l['weights']]
            if isinstance(mod, nn.Conv2d):
                mod.weight.copy_(torch.from_numpy(w[0].transpose(3, 2, 0, 1).copy()))
            elif isinstance(mod, nn.Linear):
                k = w[0]
                if l.get('flattenedFrom'):
                    h, wd, c = l['flattenedFrom']
                    k = k.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(h * wd * c, -1)
                mod.weight.copy_(torch.from_numpy(k.T.copy()))
            else:
                for target, value in zip((mod.weight, mod.bias, mod.running_mean, mod.running_var), w):
                    target.copy_(torch.from_numpy(value))
                continue
            if mod.bias is not None:
                mod.bias.copy_(torch.from_numpy(w[1]))


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
