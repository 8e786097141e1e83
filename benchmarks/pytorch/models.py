"""The PyTorch twins of fedsub's models, same shapes: what a user would write by hand."""
import torch
from torch import nn


def logreg(inputs=60, classes=10):
    return nn.Linear(inputs, classes)


def mlp(widths=(784, 200, 10)):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Cnn(nn.Module):
    """fedsub's SmallCnn: convolutions (kernel 5, stride 2, padding 2) with ReLU, then one linear layer."""

    def __init__(self, channels=(16, 32), kernel=5, stride=2, padding=2, side=28, classes=10):
        super().__init__()
        convs, c, s = [], 1, side
        for out in channels:
            convs += [nn.Conv2d(c, out, kernel, stride, padding), nn.ReLU()]
            c, s = out, (s + 2 * padding - kernel) // stride + 1
        self.convs = nn.Sequential(*convs)
        self.fc = nn.Linear(c * s * s, classes)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        return self.fc(self.convs(x).flatten(1))


def build(name):
    return {"logreg": logreg, "mlp": mlp, "mlp2": lambda: mlp((784, 200, 200, 10)), "cnn": Cnn}[name]()


INPUTS = {"logreg": 60, "mlp": 784, "mlp2": 784, "cnn": 784}
