"""The AtacWorks denoising ResNet (Lal et al., 2021), parameterised by its
convolution class so that the same network runs on torch.nn.Conv1d
(oneDNN) or dconv1d_torch.Conv1d.

Regression: 5 residual blocks (the first 1 -> 15 channels), then a 1x1 head
15 -> 1 with ReLU: the denoised coverage. Classification: 2 residual blocks
on that output (the first 1 -> 15), then a 1x1 head 15 -> 1: peak logits.
A residual block is three dilated convolutions (filter width 51, dilation 8,
'same' padding), ReLU after the first two; a 1x1 convolution projects the
block's input, the sum goes through a ReLU.
With fuse_relu, a convolution followed by ReLU becomes one layer with the
activation fused (dconv1d_torch.Conv1d(..., activation='relu')).
"""
import torch
from torch import nn


def conv_act(conv_class, fuse_relu, in_channels, out_channels, kernel_size, dilation, relu):
    if relu and fuse_relu:
        return conv_class(in_channels, out_channels, kernel_size, dilation=dilation, padding="same",
                          activation="relu")
    layer = conv_class(in_channels, out_channels, kernel_size, dilation=dilation, padding="same")
    return nn.Sequential(layer, nn.ReLU()) if relu else nn.Sequential(layer)


class ResBlock(nn.Module):
    def __init__(self, conv_class, fuse_relu, in_channels, channels, kernel_size, dilation):
        super().__init__()
        self.conv1 = conv_act(conv_class, fuse_relu, in_channels, channels, kernel_size, dilation, relu=True)
        self.conv2 = conv_act(conv_class, fuse_relu, channels, channels, kernel_size, dilation, relu=True)
        self.conv3 = conv_act(conv_class, fuse_relu, channels, channels, kernel_size, dilation, relu=False)
        self.project = conv_act(conv_class, fuse_relu, in_channels, channels, 1, 1, relu=False)

    def forward(self, x):
        return torch.relu(self.conv3(self.conv2(self.conv1(x))) + self.project(x))


class DenoisingResNet(nn.Module):
    def __init__(self, conv_class=nn.Conv1d, fuse_relu=False, channels=15, kernel_size=51, dilation=8,
                 regression_blocks=5, classification_blocks=2):
        super().__init__()

        def blocks(count):
            return nn.Sequential(*[ResBlock(conv_class, fuse_relu, 1 if i == 0 else channels, channels, kernel_size,
                                            dilation) for i in range(count)])
        self.regression = blocks(regression_blocks)
        self.regressor = conv_act(conv_class, fuse_relu, channels, 1, 1, 1, relu=True)
        self.classification = blocks(classification_blocks)
        self.classifier = conv_act(conv_class, fuse_relu, channels, 1, 1, 1, relu=False)

    def forward(self, noisy):
        denoised = self.regressor(self.regression(noisy))
        logits = self.classifier(self.classification(denoised))
        return denoised, logits


def loss_fn(denoised, logits, clean, peaks):
    mse = nn.functional.mse_loss(denoised.float(), clean.float())
    bce = nn.functional.binary_cross_entropy_with_logits(logits.float(), peaks.float())
    return mse + bce
