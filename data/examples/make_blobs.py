#!/usr/bin/env python3
"""Writes blobs-train.csv and blobs-test.csv, the tiny data set of conf/csv-example.conf.

Three classes of 4-feature examples: class k is centred at 2 on feature k (x1, x2, x3), x4 is
noise, every feature has unit Gaussian noise. A header row names the columns and the label
("class", class numbers 0, 1, 2) is the first column. Python's random with a fixed seed makes
the same files on every machine:
    python3 data/examples/make_blobs.py
"""
import os
import random


def write(path, rows, seed):
    rng = random.Random(seed)
    with open(path, "w", newline="\n") as f:
        f.write("class,x1,x2,x3,x4\n")
        for i in range(rows):
            k = i % 3
            xs = [(2.0 if j == k else 0.0) + rng.gauss(0, 1) for j in range(4)]
            f.write(str(k) + "," + ",".join("%.2f" % x for x in xs) + "\n")


here = os.path.dirname(os.path.abspath(__file__))
write(os.path.join(here, "blobs-train.csv"), 240, 1)
write(os.path.join(here, "blobs-test.csv"), 60, 2)
