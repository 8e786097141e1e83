#!/usr/bin/env python3
"""The Fashion-MNIST study run (conf/study/fmnist-*-dir0.5.conf) with FedAvg, written as the
plain PyTorch loop a user would otherwise write: 100 clients from a Dirichlet(alpha) label
split, 10 sampled a round, 20 local SGD steps of 32 at lr 0.05, weighted averaging, test
accuracy (and train loss on 10,000 rows) every 5 rounds. One thread.

  study_loop.py MODEL ROUNDS [DATA_DIR] [ALPHA]      MODEL: mlp (784-200-10) or cnn
Prints `loop_seconds=S accuracy=A steps=N` as its last line.
"""
import gzip
import struct
import sys
import time

import numpy as np
import torch

from models import build

torch.set_num_threads(1)
name, rounds = sys.argv[1], int(sys.argv[2])
data_dir = sys.argv[3] if len(sys.argv) > 3 else "data/fashion-mnist"
alpha = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
CLIENTS, PER_ROUND, STEPS, BATCH, LR, EVAL_EVERY, TRAIN_LIMIT = 100, 10, 20, 32, 0.05, 5, 10000


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


t_start = time.perf_counter()
xtr = torch.from_numpy(idx(f"{data_dir}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
ytr = torch.from_numpy(idx(f"{data_dir}/train-labels-idx1-ubyte.gz").astype(np.int64))
xte = torch.from_numpy(idx(f"{data_dir}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
yte = torch.from_numpy(idx(f"{data_dir}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

rng = np.random.default_rng(1)
shards = [[] for _ in range(CLIENTS)]
labels = ytr.numpy()
for c in range(10):
    rows = rng.permutation(np.flatnonzero(labels == c))
    cuts = (np.cumsum(rng.dirichlet([alpha] * CLIENTS)) * len(rows)).astype(int)[:-1]
    for k, part in enumerate(np.split(rows, cuts)):
        shards[k].extend(part.tolist())
shards = [torch.tensor(s if s else [int(rng.integers(len(labels)))]) for s in shards]

torch.manual_seed(1)
model = build(name)
loss_fn = torch.nn.CrossEntropyLoss()
global_state = {k: v.clone() for k, v in model.state_dict().items()}


def evaluate():
    with torch.no_grad():
        model.load_state_dict(global_state)
        acc = (model(xte).argmax(1) == yte).float().mean().item()
        loss_fn(model(xtr[:TRAIN_LIMIT]), ytr[:TRAIN_LIMIT]).item()
    return acc


t_loop = time.perf_counter()
acc = float("nan")
for r in range(rounds):
    chosen = rng.choice(CLIENTS, PER_ROUND, replace=False)
    total = sum(len(shards[c]) for c in chosen)
    new_state = {k: torch.zeros_like(v) for k, v in global_state.items()}
    for c in chosen:
        model.load_state_dict(global_state)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        rows = shards[c]
        order = rows[torch.randperm(len(rows))]
        pos = 0
        for _ in range(STEPS):
            if pos + BATCH > len(order):
                order, pos = rows[torch.randperm(len(rows))], 0
            b = order[pos:pos + BATCH]
            pos += BATCH
            opt.zero_grad()
            loss_fn(model(xtr[b]), ytr[b]).backward()
            opt.step()
        w = len(rows) / total
        for k, v in model.state_dict().items():
            new_state[k] += w * v
    global_state = new_state
    if (r + 1) % EVAL_EVERY == 0 or r + 1 == rounds:
        acc = evaluate()
t_end = time.perf_counter()
print(f"loop_seconds={t_end - t_loop:.2f} total_seconds={t_end - t_start:.2f} accuracy={acc:.4f} "
      f"steps={rounds * PER_ROUND * STEPS}")
