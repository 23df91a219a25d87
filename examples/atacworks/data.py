"""Synthetic AtacWorks-shaped data with a fixed seed: a clean coverage
track made of Gaussian peaks on a low background, its peak labels, and a
noisy version (Poisson-like counts at a lower depth, as from fewer cells).
Shapes [batch, 1, length]; values normalised as AtacWorks feeds them."""
import torch


def make_batch(batch=2, length=60000, seed=1234, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    positions = torch.arange(length, dtype=torch.float32)
    clean = torch.full((batch, 1, length), 0.2)
    peaks = torch.zeros((batch, 1, length))
    for b in range(batch):
        count = int(torch.randint(length // 3000, length // 1500, (1,), generator=g))
        centres = torch.randint(0, length, (count,), generator=g).float()
        widths = 50 + 250 * torch.rand(count, generator=g)
        heights = 2 + 8 * torch.rand(count, generator=g)
        for c, w, h in zip(centres, widths, heights):
            bump = h * torch.exp(-0.5 * ((positions - c) / w) ** 2)
            clean[b, 0] += bump
            peaks[b, 0] = torch.maximum(peaks[b, 0], (bump > 0.5 * h).float())
    noisy = torch.poisson(clean * 0.3, generator=g) / 0.3
    return noisy.to(dtype), clean.to(dtype), peaks.to(dtype)
