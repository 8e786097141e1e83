#!/usr/bin/env python3
"""Microseconds per SGD step of a plain PyTorch loop (one thread): forward, cross-entropy,
backward, optimizer step, on random data already in memory, batches drawn by index.

  step_cost.py MODEL BATCH [STEPS]     MODEL: logreg (60x10), mlp (784-200-10), mlp2, cnn
Prints one line: `MODEL BATCH us_per_step`.
"""
import sys
import time

import torch

from models import INPUTS, build

torch.set_num_threads(1)
torch.manual_seed(1)
name, batch = sys.argv[1], int(sys.argv[2])
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
n = 2048
x = torch.rand(n, INPUTS[name])
y = torch.randint(0, 10, (n,))
model = build(name)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
gen = torch.Generator().manual_seed(2)


def run(k):
    for _ in range(k):
        idx = torch.randint(0, n, (batch,), generator=gen)
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()


run(max(50, steps // 10))  # warm-up
best = float("inf")
for _ in range(3):  # best of three, like fedsub's StepCost
    t0 = time.perf_counter()
    run(steps)
    best = min(best, (time.perf_counter() - t0) / steps)
print(f"{name} {batch} {best * 1e6:.1f}")
