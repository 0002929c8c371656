"""Numba kernels: arrays in, arrays out; no Mesa, no Hydra."""
