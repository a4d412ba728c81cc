#!/usr/bin/env python3
"""Writes the PyTorch side of the model-interoperability tests (run once; its outputs are
committed under Tests/TestFixtures/Fixtures/interop/):

- seed002_generator.safetensors, seed002_critic.safetensors: `state_dict()`s of the seed-002
  WGAN-GP MLP (nn.Sequential, PyTorch's default init, seed 0), saved with
  `safetensors.torch.save_file`;
- seed001_generator.safetensors: the seed-001 DCGAN generator's architecture (Linear without
  bias, BatchNorm1d, LeakyReLU, Unflatten, three ConvTranspose2d with BatchNorm2d) at 1/16
  of its widths (16·7·7 instead of 256·7·7 features, to keep the file small), after two
  training-mode forward passes so its running statistics and num_batches_tracked are not
  the defaults;
- reference.safetensors: fixed inputs and the outputs PyTorch computes from them
  (G002(z), D002(x), G001(z) in evaluation mode).

usage: python3 scripts/make-interop-reference.py   (needs torch and safetensors)
"""
import pathlib

import torch
from safetensors.torch import save_file
from torch import nn

out = pathlib.Path(__file__).resolve().parent.parent / "Tests/TestFixtures/Fixtures/interop"
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)

g002 = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 784), nn.Tanh())
d002 = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
g001 = nn.Sequential(
    nn.Linear(100, 7 * 7 * 16, bias=False), nn.BatchNorm1d(7 * 7 * 16), nn.LeakyReLU(0.2),
    nn.Unflatten(1, (16, 7, 7)),
    nn.ConvTranspose2d(16, 8, 5, stride=1, padding=2, bias=False), nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
    nn.ConvTranspose2d(8, 4, 5, stride=2, padding=2, output_padding=1, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.2),
    nn.ConvTranspose2d(4, 1, 5, stride=2, padding=2, output_padding=1, bias=False), nn.Tanh())

g001.train()
with torch.no_grad():
    for _ in range(2):
        g001(torch.randn(8, 100))
g001.eval()

z = torch.randn(4, 100)
x = torch.rand(4, 784) * 2 - 1
z001 = torch.randn(3, 100)
with torch.no_grad():
    ref = {"z": z, "x": x, "g002_z": g002(z), "d002_x": d002(x), "z001": z001, "g001_z001": g001(z001)}

save_file({k: v.contiguous() for k, v in g002.state_dict().items()}, str(out / "seed002_generator.safetensors"))
save_file({k: v.contiguous() for k, v in d002.state_dict().items()}, str(out / "seed002_critic.safetensors"))
save_file({k: v.contiguous() for k, v in g001.state_dict().items()}, str(out / "seed001_generator.safetensors"))
save_file({k: v.contiguous() for k, v in ref.items()}, str(out / "reference.safetensors"))
for name in sorted(g001.state_dict()):
    print(name, tuple(g001.state_dict()[name].shape), g001.state_dict()[name].dtype)
