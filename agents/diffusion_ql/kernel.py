"""The compiled reverse loop (csrc/reverse.c) behind ``FastDecider``, through ctypes,
and its Mish pass, which the NumPy path's layers and the networks' PyTorch Mish
(:class:`TorchMish`, on the CPU) use where the library is built.

``make kernels`` builds ``build/kernels/libran-gym-reverse.so`` (``$RAN_GYM_KERNEL_DIR``
overrides the folder). Where the library is absent, ``load()`` returns None and the
decisions take the NumPy path; ``RAN_GYM_KERNEL=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

LIBRARY = "libran-gym-reverse.so"
BUILD_DIR = Path(__file__).resolve().parents[2] / "build" / "kernels"
DIR_VARIABLE = "RAN_GYM_KERNEL_DIR"

_F = ctypes.POINTER(ctypes.c_float)
_D = ctypes.POINTER(ctypes.c_double)
_FF = ctypes.POINTER(_F)


def library_path() -> Path:
    return Path(os.environ.get(DIR_VARIABLE) or BUILD_DIR) / LIBRARY


@cache
def load() -> ctypes.CDLL | None:
    """The library, or None where it is not built or is switched off."""
    path = library_path()
    if os.environ.get("RAN_GYM_KERNEL", "1") == "0" or not path.is_file():
        return None
    lib = ctypes.CDLL(str(path))
    lib.rg_reverse.restype = ctypes.c_int
    lib.rg_reverse.argtypes = [
        ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,  # n, a_dim, hidden, n_inner
        _F, _FF, _FF, _F, _F,                                    # weights
        ctypes.c_int, _F, _D, _D, _D, _D,                        # steps, fixed, coefficients
        _F, ctypes.c_int, ctypes.c_float,                         # noise, n_noise, clip
        _F, _F]                                                   # x, work
    lib.rg_mish.restype = ctypes.c_int
    lib.rg_mish.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    return lib


@contextlib.contextmanager
def switched(on: bool) -> Iterator[None]:
    """The kernel on or off (``RAN_GYM_KERNEL``) for what loads it inside; decision
    paths are chosen when a decider is built, at an agent's first decision after its
    weights change."""
    before = os.environ.get("RAN_GYM_KERNEL")
    os.environ["RAN_GYM_KERNEL"] = "1" if on else "0"
    load.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RAN_GYM_KERNEL")
        else:
            os.environ["RAN_GYM_KERNEL"] = before
        load.cache_clear()


def mish_keeping(lib: ctypes.CDLL, z: np.ndarray, slopes: list[np.ndarray] | None
                 ) -> np.ndarray:
    """Mish of ``z`` (C-contiguous float32, overwritten) in one compiled pass, appending
    d mish / dz to ``slopes`` if given: ``fast._mish_keeping``'s contract. The pass
    flushes results below float's normal range to zero."""
    if slopes is None:
        lib.rg_mish(z.size, _address(z), None)
        return z
    slope = np.empty_like(z)
    lib.rg_mish(z.size, _address(z), _address(slope))
    slopes.append(slope)
    return z


class TorchMish(torch.autograd.Function):
    """Mish of a float32 CPU tensor through the compiled pass, for PyTorch's autograd:
    forward computes the value and, where a gradient is wanted, the slope in the same
    pass; backward is one product with the kept slope. Callers check :func:`load` and
    the tensor's device and dtype first (``networks.Mish``)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        lib = load()
        assert lib is not None and x.dtype == torch.float32 and x.device.type == "cpu"
        y = x.clone(memory_format=torch.contiguous_format)  # the pass works in place
        slopes: list[np.ndarray] | None = [] if ctx.needs_input_grad[0] else None
        mish_keeping(lib, y.numpy(), slopes)
        if slopes:
            ctx.save_for_backward(torch.from_numpy(slopes[0]))
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (slope,) = ctx.saved_tensors
        return grad * slope


def _address(a: np.ndarray) -> int:
    """The address of a writable array's data: ``a.ctypes.data`` at a quarter of its
    cost (about 0.5 µs, where a decision makes some 45 such calls)."""
    return ctypes.addressof(ctypes.c_char.from_buffer(a.data))


def _f(a: np.ndarray) -> Any:
    """A float pointer to ``a``'s data (a ctypes pointer; typed Any for the array slots)."""
    return a.ctypes.data_as(_F)


class ReverseKernel:
    """The denoiser's weights as the C loop takes them, kept alive with their pointers."""

    def __init__(self, lib: ctypes.CDLL, first_a: np.ndarray, inner: list[np.ndarray],
                 inner_bias: list[np.ndarray], out_w: np.ndarray, out_b: np.ndarray):
        self.lib = lib
        self._keep = [np.ascontiguousarray(a, np.float32)
                      for a in (first_a, out_w, out_b, *inner, *inner_bias)]
        self.first_a, self.out_w, self.out_b = self._keep[:3]
        self.inner, self.inner_bias = self._keep[3:3 + len(inner)], self._keep[3 + len(inner):]
        self.a_dim, self.hidden = self.first_a.shape
        if self.out_w.shape != (self.hidden, self.a_dim) or any(
                w.shape != (self.hidden, self.hidden) for w in self.inner):
            raise ValueError("the kernel needs an MLP of equal hidden layers")
        slots: Any = _F * max(len(inner), 1)
        self._inner_w = slots(*[_f(w) for w in self.inner])
        self._inner_b = slots(*[_f(b) for b in self.inner_bias])
        self._work = np.empty(2 * self.hidden + self.a_dim, np.float32)

    def run(self, x: np.ndarray, fixed: np.ndarray, sqrt_abar: np.ndarray,
            sqrt_one_minus_abar: np.ndarray, coef_x0: np.ndarray, coef_x: np.ndarray,
            noise: np.ndarray | None, clip: float | None) -> np.ndarray:
        """The loop over ``len(fixed)`` steps, in loop order; x (n, a_dim) is updated in
        place and returned; noise[k] (n, a_dim) is added after step k for k < len(noise)."""
        n, k_steps = x.shape[0], fixed.shape[0]
        x = np.ascontiguousarray(x, np.float32)
        fixed = np.ascontiguousarray(fixed, np.float32)
        coefs = [np.ascontiguousarray(c, np.float64)
                 for c in (sqrt_abar, sqrt_one_minus_abar, coef_x0, coef_x)]
        if fixed.shape != (k_steps, n, self.hidden) or any(len(c) != k_steps for c in coefs):
            raise ValueError("fixed must be (steps, n, hidden) with one coefficient per step")
        if noise is None:
            noise_ptr, n_noise = _F(), 0
        else:
            noise = np.ascontiguousarray(noise, np.float32)
            if noise.shape[1:] != x.shape or len(noise) > k_steps:
                raise ValueError("noise must be (at most steps, n, a_dim)")
            noise_ptr, n_noise = _f(noise), len(noise)
        status = self.lib.rg_reverse(
            n, self.a_dim, self.hidden, len(self.inner), _f(self.first_a), self._inner_w,
            self._inner_b, _f(self.out_w), _f(self.out_b), k_steps, _f(fixed),
            *[c.ctypes.data_as(_D) for c in coefs], noise_ptr, n_noise,
            -1.0 if clip is None else float(clip), _f(x), _f(self._work))
        if status != 0:
            raise ValueError(f"rg_reverse refused its arguments (status {status})")
        return x
