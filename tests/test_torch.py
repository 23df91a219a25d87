"""dconv1d_torch against torch.nn.Conv1d: parameters and initialisation,
forward and all gradients on random shapes (odd channels, padding='same',
dilation 8, bias or none, fused ReLU or none, non-contiguous and unbatched
inputs) in float32 and bfloat16 against a float64 nn.Conv1d reference,
finite-difference gradient checks, argument errors, the layer cache, and a
model whose loss curve over 20 SGD steps must match nn.Conv1d's.

float64 gradcheck is not possible: the library computes in float32 and
bfloat16 only. Convolution is linear in each input, so float32 finite
differences with a large step are exact up to rounding: gradcheck runs in
float32 with tolerances that fit it.
Run with Debian's /usr/bin/python3 (it has torch); meson test sets
DCONV1D_TORCH_OPS and PYTHONPATH.
"""
import random
import unittest

import torch

import dconv1d_torch

TOLERANCE = {torch.float32: 1e-5, torch.bfloat16: 1e-2}


def rel_l2(got, want):
    got, want = got.double(), want.double()
    return ((got - want).norm() / want.norm().clamp_min(1e-30)).item()


def random_case(rng):
    c, k = rng.choice([1, 2, 3, 15, 16, 17]), rng.choice([1, 3, 15, 16, 17])
    s, d = rng.choice([1, 2, 4, 5, 9, 51]), rng.choice([1, 2, 3, 8])
    padding = rng.choice([0, 3, "same"])
    span = d * (s - 1)
    w = span + rng.randint(1, 300) - (0 if padding == "same" else 2 * padding)
    w = max(w, 1 if padding == "same" else span - 2 * padding + 1)
    return dict(n=rng.choice([1, 2, 3]), c=c, k=k, w=w, s=s, d=d, padding=padding, bias=rng.random() < 0.7,
                relu=rng.random() < 0.5, contiguous=rng.random() < 0.7)


class ModuleTest(unittest.TestCase):
    def test_same_parameters_init_and_keys(self):
        torch.manual_seed(7)
        theirs = torch.nn.Conv1d(15, 13, 51, dilation=8, padding="same")
        torch.manual_seed(7)
        ours = dconv1d_torch.Conv1d(15, 13, 51, dilation=8, padding="same")
        self.assertEqual(list(ours.state_dict().keys()), list(theirs.state_dict().keys()))
        self.assertTrue(torch.equal(ours.weight, theirs.weight))
        self.assertTrue(torch.equal(ours.bias, theirs.bias))
        ours.load_state_dict(theirs.state_dict())
        self.assertIsNone(dconv1d_torch.Conv1d(3, 4, 5, bias=False).bias)
        self.assertIn("activation='relu'", repr(dconv1d_torch.Conv1d(3, 4, 5, activation="relu")))

    def test_bad_arguments_name_themselves(self):
        for kwargs, word in [(dict(stride=2), "stride"), (dict(groups=3), "groups"),
                             (dict(padding_mode="reflect"), "padding_mode"), (dict(activation="gelu"), "activation"),
                             (dict(padding="full"), "padding")]:
            with self.assertRaisesRegex(ValueError, word):
                dconv1d_torch.Conv1d(3, 3, 5, **kwargs)
        conv = dconv1d_torch.Conv1d(3, 4, 5)
        with self.assertRaisesRegex(RuntimeError, "float32 or bfloat16"):
            conv.double()(torch.randn(1, 3, 20, dtype=torch.float64))
        with self.assertRaisesRegex(RuntimeError, "channels"):
            dconv1d_torch.Conv1d(3, 4, 5)(torch.randn(1, 2, 20))
        with self.assertRaisesRegex(RuntimeError, "output width"):
            dconv1d_torch.Conv1d(3, 4, 5, dilation=4)(torch.randn(1, 3, 10))
        with self.assertRaisesRegex(RuntimeError, "(?i)bfloat16"):
            dconv1d_torch.Conv1d(3, 4, 5)(torch.randn(1, 3, 20).bfloat16())

    def check_case(self, case, dtype, seed):
        torch.manual_seed(seed)
        module = dconv1d_torch.Conv1d(case["c"], case["k"], case["s"], dilation=case["d"], padding=case["padding"],
                                      bias=case["bias"], activation="relu" if case["relu"] else None).to(dtype)
        x = torch.randn(case["n"], case["c"], case["w"] * (1 if case["contiguous"] else 2), dtype=dtype)
        if not case["contiguous"]:
            x = x[:, :, ::2]
        x.requires_grad_()
        y = module(x)
        grad_y = torch.randn_like(y)
        y.backward(grad_y)
        # float64 reference on the same values
        x64 = x.detach().double().requires_grad_()
        w64 = module.weight.detach().double().requires_grad_()
        b64 = module.bias.detach().double().requires_grad_() if case["bias"] else None
        # PyTorch's own padding (for 'same', its choice of where an odd pixel goes)
        linear = torch.nn.functional.conv1d(x64, w64, b64, dilation=case["d"], padding=case["padding"])
        want = torch.relu(linear) if case["relu"] else linear
        # ReLU's mask comes from our y, as the framework hands it back: an output that rounds to the
        # other side of 0 must not count against the gradients
        mask = (y.detach() > 0).double() if case["relu"] else 1.0
        linear.backward(grad_y.double() * mask)
        tol = TOLERANCE[dtype]
        what = f"{case} {dtype}"
        self.assertEqual(tuple(y.shape), tuple(want.shape), what)
        self.assertEqual(y.dtype, dtype)
        self.assertLessEqual(rel_l2(y, want), tol, "forward " + what)
        self.assertLessEqual(rel_l2(x.grad, x64.grad), tol, "input gradient " + what)
        self.assertLessEqual(rel_l2(module.weight.grad, w64.grad), tol, "weight gradient " + what)
        if case["bias"]:
            self.assertLessEqual(rel_l2(module.bias.grad, b64.grad), tol, "bias gradient " + what)

    def test_random_shapes_float32_and_bfloat16(self):
        rng = random.Random(20261127)
        for i in range(24):
            case = random_case(rng)
            for dtype in (torch.float32, torch.bfloat16):
                with self.subTest(case=case, dtype=dtype):
                    self.check_case(case, dtype, seed=i)

    def test_same_padding_with_an_odd_span(self):
        # S = 4, d = 3: nine padding pixels, so one side gets the odd one
        for relu in (False, True):
            case = dict(n=2, c=3, k=5, w=40, s=4, d=3, padding="same", bias=True, relu=relu, contiguous=True)
            self.check_case(case, torch.float32, seed=5)

    def test_atacworks_layer_shape(self):
        case = dict(n=2, c=15, k=15, w=3000, s=51, d=8, padding="same", bias=True, relu=True, contiguous=True)
        for dtype in (torch.float32, torch.bfloat16):
            self.check_case(case, dtype, seed=3)

    def test_gradcheck_float32(self):
        torch.manual_seed(0)
        for relu in (False, True):
            x = torch.randn(2, 3, 30, requires_grad=True)
            w = torch.randn(4, 3, 5, requires_grad=True)
            b = torch.randn(4, requires_grad=True)

            def fn(x, w, b):
                return dconv1d_torch.conv1d(x, w, b, dilation=2, padding=(3, 1),
                                            activation="relu" if relu else None)
            # a ReLU kink within the step would make the difference inexact: keep outputs away from 0
            if relu:
                with torch.no_grad():
                    y = fn(x, w, b)
                    keep = torch.nn.functional.conv1d(torch.nn.functional.pad(x, (3, 1)), w, b, dilation=2).abs()
                    self.assertGreater(keep.min().item(), 0.0)
            self.assertTrue(torch.autograd.gradcheck(fn, (x, w, b), eps=1e-2, atol=2e-3, rtol=1e-2,
                                                     nondet_tol=0.0, fast_mode=relu))

    def test_unbatched_input_and_cache(self):
        conv = dconv1d_torch.Conv1d(5, 6, 7, dilation=3, padding="same")
        x = torch.randn(5, 111)
        before = torch.ops.dconv1d.cached_layers()
        y = conv(x)
        y2 = conv(x)
        self.assertEqual(tuple(y.shape), (6, 111))
        self.assertTrue(torch.equal(y, y2))
        self.assertEqual(torch.ops.dconv1d.cached_layers(), before + 1)
        ref = torch.nn.functional.conv1d(x.unsqueeze(0), conv.weight, conv.bias, dilation=3, padding="same")
        self.assertLessEqual(rel_l2(y, ref.squeeze(0)), 1e-5)


class TrainingTest(unittest.TestCase):
    @staticmethod
    def model(conv_class, relu_fused):
        kwargs = dict(activation="relu") if relu_fused else {}
        layers = [conv_class(1, 8, 9, dilation=2, padding="same", **kwargs)]
        if not relu_fused:
            layers.append(torch.nn.ReLU())
        layers += [conv_class(8, 8, 9, dilation=4, padding="same", **kwargs)]
        if not relu_fused:
            layers.append(torch.nn.ReLU())
        layers += [conv_class(8, 1, 1)]
        return torch.nn.Sequential(*layers)

    def losses(self, model, dtype, steps=20):
        torch.manual_seed(1)
        x = torch.randn(4, 1, 500)
        target = torch.nn.functional.conv1d(x, torch.randn(1, 1, 9) / 3, padding=4).to(dtype)
        x = x.to(dtype)
        model = model.to(dtype)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        out = []
        for _ in range(steps):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x).float(), target.float())
            loss.backward()
            opt.step()
            out.append(loss.item())
        return out

    def test_same_loss_curve(self):
        for dtype, rtol in ((torch.float32, 1e-4), (torch.bfloat16, 5e-2)):
            for fused in (False, True):
                torch.manual_seed(0)
                theirs = self.model(torch.nn.Conv1d, relu_fused=False)
                ours = self.model(dconv1d_torch.Conv1d, relu_fused=fused)
                with torch.no_grad():  # fused has fewer modules: copy the parameters in order
                    for mine, other in zip(ours.parameters(), theirs.parameters()):
                        mine.copy_(other)
                a, b = self.losses(theirs, dtype), self.losses(ours, dtype)
                self.assertLess(a[-1], 0.9 * a[0], "the model does not learn: the test would prove nothing")
                for step, (la, lb) in enumerate(zip(a, b)):
                    self.assertLessEqual(abs(la - lb), rtol * abs(la), f"{dtype} fused={fused} step {step}")

if __name__ == "__main__":
    unittest.main(verbosity=2)
