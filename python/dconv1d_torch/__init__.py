"""dconv1d for PyTorch: a drop-in replacement for torch.nn.Conv1d.

    import dconv1d_torch
    conv = dconv1d_torch.Conv1d(15, 15, 51, dilation=8, padding="same", activation="relu")

Conv1d takes nn.Conv1d's parameters (stride 1 and groups 1 only), has the
same initialisation and state_dict keys (it is an nn.Conv1d), and runs its
forward, backward-data, backward-weight and bias gradient in the dconv1d
C library on float32 or bfloat16 CPU tensors (under torch.autocast("cpu",
dtype=torch.bfloat16) it computes in bfloat16, as nn.Conv1d does: float32
master weights, bfloat16 convolutions). activation="relu" fuses
bias + ReLU into the forward pass and the ReLU mask into the backward pass.
The library plans one layer per shape, dtype and thread count
(torch.get_num_threads()) and caches it.
"""
import os

import torch

__all__ = ["Conv1d", "conv1d", "library_path"]

_LIBRARY_NAME = "libdconv1d_torch_ops.so"


def library_path():
    """Where the operator library is: $DCONV1D_TORCH_OPS, else next to this package."""
    path = os.environ.get("DCONV1D_TORCH_OPS") or os.path.join(os.path.dirname(__file__), _LIBRARY_NAME)
    if not os.path.exists(path):
        raise ImportError(f"dconv1d_torch: the operator library {path} is missing: build the project with meson "
                          "(it builds python/libdconv1d_torch_ops.so) and set DCONV1D_TORCH_OPS to it, or install it")
    return path


torch.ops.load_library(library_path())
_ops = torch.ops.dconv1d


class _Conv1dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, dilation, pad_l, pad_r, relu):
        threads = torch.get_num_threads()
        y = _ops.forward(x, weight, bias, dilation, pad_l, pad_r, relu, threads)
        ctx.save_for_backward(x, weight, y if relu else None)
        ctx.conv = (dilation, pad_l, pad_r, relu, threads, bias is not None)
        return y

    @staticmethod
    def backward(ctx, grad_y):
        x, weight, y = ctx.saved_tensors
        dilation, pad_l, pad_r, relu, threads, has_bias = ctx.conv
        wanted = [ctx.needs_input_grad[0], ctx.needs_input_grad[1], has_bias and ctx.needs_input_grad[2]]
        if not any(wanted):
            return None, None, None, None, None, None, None
        dx, dw, db = _ops.backward(grad_y, x, weight, y, dilation, pad_l, pad_r, relu, threads, wanted)
        return (dx if wanted[0] else None, dw if wanted[1] else None, db if wanted[2] else None,
                None, None, None, None)


def _same_padding(kernel_size, dilation):
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2  # PyTorch puts the odd pixel on the right


def conv1d(x, weight, bias=None, dilation=1, padding=0, activation=None):
    """Functional form: padding an int, a (left, right) pair or 'same'; activation None or 'relu'."""
    if activation not in (None, "relu"):
        raise ValueError(f"dconv1d_torch: activation must be None or 'relu', got {activation!r}")
    if padding == "same":
        pad_l, pad_r = _same_padding(weight.shape[2], dilation)
    elif isinstance(padding, (tuple, list)):
        pad_l, pad_r = padding
    else:
        pad_l = pad_r = padding
    if torch.is_autocast_cpu_enabled():  # mixed precision: compute in the autocast dtype, as nn.Conv1d does
        dtype = torch.get_autocast_cpu_dtype()
        x, weight = x.to(dtype), weight.to(dtype)
        bias = bias.to(dtype) if bias is not None else None
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(0)
    y = _Conv1dFunction.apply(x, weight, bias, int(dilation), int(pad_l), int(pad_r), activation == "relu")
    return y.squeeze(0) if unbatched else y


def _single(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"dconv1d_torch.Conv1d: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return value


class Conv1d(torch.nn.Conv1d):
    """torch.nn.Conv1d on dconv1d (stride 1, groups 1, zero padding), with an optional fused ReLU."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, activation=None):
        if _single(stride, "stride") != 1:
            raise ValueError(f"dconv1d_torch.Conv1d: stride must be 1, got {stride!r}")
        if groups != 1:
            raise ValueError(f"dconv1d_torch.Conv1d: groups must be 1, got {groups!r}")
        if padding_mode != "zeros":
            raise ValueError(f"dconv1d_torch.Conv1d: padding_mode must be 'zeros', got {padding_mode!r}")
        if activation not in (None, "relu"):
            raise ValueError(f"dconv1d_torch.Conv1d: activation must be None or 'relu', got {activation!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"dconv1d_torch.Conv1d: padding must be an int, 'same' or 'valid', got {padding!r}")
        if device is not None and torch.device(device).type != "cpu":
            raise ValueError(f"dconv1d_torch.Conv1d: device must be the CPU, got {device!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride=1, padding=padding, dilation=dilation,
                         groups=1, bias=bias, padding_mode="zeros", device=device, dtype=dtype)
        self.activation = activation

    def forward(self, x):
        if isinstance(self.padding, str):
            padding = 0 if self.padding == "valid" else "same"
        else:
            padding = self.padding[0]
        return conv1d(x, self.weight, self.bias, self.dilation[0], padding, self.activation)

    def extra_repr(self):
        text = super().extra_repr()
        return text + (f", activation={self.activation!r}" if self.activation else "")
