# Bench helper: PyTorch's side of the side-by-side measurement. Reads one JSON request a line on stdin,
# answers one JSON line on stdout, so that Node can interleave its own runs with these.
import json, resource, sys, time

import torch
import torch.nn as nn


def ann():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))


SHAPES = {'ann': (784,), 'cnn': (1, 28, 28)}
state = {}


def setup(name, batch):
    key = (name, batch)
    if key not in state:
        torch.manual_seed(0)
        m = {'ann': ann, 'cnn': cnn}[name]()
        # Same optimiser and loss as the engine's step: Adam 1e-3, clipped log of softmax outputs.
        opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        xs = [torch.rand(batch, *SHAPES[name]) for _ in range(4)]
        ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]
        state[key] = (m, opt, xs, ys)
    return state[key]


def train(name, batch, batches, warmup):
    m, opt, xs, ys = setup(name, batch)
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

    for i in range(warmup):
        step(i)
    t = time.perf_counter()
    for i in range(batches):
        step(i)
    return batches * batch / (time.perf_counter() - t)


def infer(name, count, repeats):
    m, _, _, _ = setup(name, 128)
    m.eval()
    x = torch.rand(count, *SHAPES[name])
    with torch.no_grad():
        m(x).numpy()
        t = time.perf_counter()
        for _ in range(repeats):
            m(x).numpy()
    return repeats * count / (time.perf_counter() - t)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        out = {
            'train': train(req['model'], req['batch'], req['batches'], req['warmup']),
            'infer': infer(req['model'], req['inferCount'], req['inferRepeats']),
            'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        print(json.dumps(out), flush=True)


main()
