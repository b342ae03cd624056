"""Op-level timing of fastgraph against PyTorch, side by side in one process.

    python -m bench.compare_torch [--threads 1,2] [--reps N] [--quick]

Forward + backward (gradients of every input, seeded with ones) of:
  conv2d            batch 64, 28x28x32 -> 64 filters 3x3 ('valid'), with bias;
  lstm              T=100, batch 32, 512 inputs, 32 units, last output;
  dense             batch 128, 784 -> 512, bias + relu;
  conv2d_transpose  batch 32, 16x16x128 -> 32x32x64, 4x4 stride 2 'same'
                    (a DCGAN generator step), with bias, against ConvTranspose2d;
  depthwise         batch 32, 56x56x128, 3x3 'same' (a MobileNet block),
                    against a grouped Conv2d (groups = channels);
  mha               self-attention, batch 32, 128 steps, 256 features, 8 heads of 32
                    (every projection with bias, no mask; mha_causal: a causal mask),
                    against nn.MultiheadAttention;
through fastgraph.ops (conv.conv2d, rnn.lstm, dense.dense,
conv_transpose.conv2d_transpose, conv_depthwise.depthwise_conv2d) and
fastgraph.autodiff.gradients, and through torch.nn.functional / nn.LSTM with
torch.autograd.grad; each case first checks that both compute the same
output.  Both run at each thread count (fastgraph's
set_num_threads sets its OpenMP and NumPy's BLAS threads; torch's its own),
in alternating blocks of calls; prints median ms and the ratio fastgraph/torch.
torch is optional: without it the script says so and exits.
"""
import argparse
import statistics
import sys
import time

import numpy as np

# Issue 2's and issue 13's targets for fastgraph/torch (measured, never asserted).
TARGETS = {"conv2d": 1.5, "lstm": 1.0, "conv2d_transpose": 1.0, "depthwise": 1.0,
           "mha": 1.0, "mha_causal": 1.0}
BLOCK = 5


def _rng():
    return np.random.default_rng(0)


def conv_case(torch):
    """conv2d fwd+bwd closures for fastgraph and torch on the same data."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.ops.conv import conv2d
    rng = _rng()
    x = rng.standard_normal((64, 28, 28, 32), dtype=np.float32)
    k = rng.standard_normal((3, 3, 32, 64), dtype=np.float32) * 0.05
    b = np.zeros(64, np.float32)
    fx, fk, fb = Variable(x), Variable(k), Variable(b)

    def fg():
        y = conv2d(fx, fk, fb)
        return gradients(y, [fx, fk, fb], grad_loss=np.ones(y.shape, np.float32))

    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tk = torch.tensor(k.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)

    def th():
        y = torch.nn.functional.conv2d(tx, tk, tb)
        return torch.autograd.grad(y, (tx, tk, tb), torch.ones_like(y))

    return fg, th


def lstm_case(torch):
    """LSTM fwd+bwd (last output) closures for fastgraph and torch."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.ops.rnn import lstm
    N, T, D, U = 32, 100, 512, 32
    rng = _rng()
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    k = rng.standard_normal((D, 4 * U), dtype=np.float32) * 0.05
    rk = rng.standard_normal((U, 4 * U), dtype=np.float32) * 0.05
    b = np.zeros(4 * U, np.float32)
    fv = [Variable(a) for a in (x, k, rk, b)]

    def fg():
        y = lstm(*fv)[0]
        return gradients(y, fv, grad_loss=np.ones(y.shape, np.float32))

    net = torch.nn.LSTM(D, U, batch_first=True)
    tx = torch.tensor(x, requires_grad=True)
    params = [tx] + list(net.parameters())

    def th():
        _, (h, _) = net(tx)
        return torch.autograd.grad(h, params, torch.ones_like(h))

    return fg, th


def dense_case(torch):
    """Dense (bias + relu) fwd+bwd closures for fastgraph and torch."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.ops.dense import dense
    rng = _rng()
    x = rng.standard_normal((128, 784), dtype=np.float32)
    k = rng.standard_normal((784, 512), dtype=np.float32) * 0.05
    b = np.zeros(512, np.float32)
    fv = [Variable(a) for a in (x, k, b)]

    def fg():
        y = dense(*fv, activation="relu")
        return gradients(y, fv, grad_loss=np.ones(y.shape, np.float32))

    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(k.T.copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)

    def th():
        y = torch.relu(torch.nn.functional.linear(tx, tw, tb))
        return torch.autograd.grad(y, (tx, tw, tb), torch.ones_like(y))

    return fg, th


def _same_output(fg_y, th_y, torch):
    """Both sides compute the same thing (torch's output is NCHW)."""
    with torch.no_grad():
        want = th_y.detach().numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(fg_y, want, rtol=1e-3, atol=1e-3)


def conv_transpose_case(torch):
    """Conv2DTranspose (4x4, stride 2, 'same') fwd+bwd closures."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.ops.conv_transpose import conv2d_transpose
    rng = _rng()
    x = rng.standard_normal((32, 16, 16, 128), dtype=np.float32)
    k = rng.standard_normal((4, 4, 64, 128), dtype=np.float32) * 0.05
    b = np.zeros(64, np.float32)
    fv = [Variable(a) for a in (x, k, b)]

    def fg():
        y = conv2d_transpose(*fv, strides=2, padding="same")
        return gradients(y, fv, grad_loss=np.ones(y.shape, np.float32))

    # Keras's (kh, kw, out, in) kernel is torch's (in, out, kh, kw); 'same'
    # pads one row and column on each side here, torch's padding=1
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tk = torch.tensor(k.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)

    def th():
        y = torch.nn.functional.conv_transpose2d(tx, tk, tb, stride=2, padding=1)
        return torch.autograd.grad(y, (tx, tk, tb), torch.ones_like(y))

    _same_output(conv2d_transpose(x, k, b, 2, "same").data,
                 torch.nn.functional.conv_transpose2d(tx, tk, tb, stride=2, padding=1),
                 torch)
    return fg, th


def depthwise_case(torch):
    """DepthwiseConv2D (3x3, 'same', multiplier 1) fwd+bwd closures."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.ops.conv_depthwise import depthwise_conv2d
    rng = _rng()
    x = rng.standard_normal((32, 56, 56, 128), dtype=np.float32)
    k = rng.standard_normal((3, 3, 128, 1), dtype=np.float32) * 0.1
    b = np.zeros(128, np.float32)
    fv = [Variable(a) for a in (x, k, b)]

    def fg():
        y = depthwise_conv2d(*fv, padding="same")
        return gradients(y, fv, grad_loss=np.ones(y.shape, np.float32))

    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tk = torch.tensor(k.transpose(2, 3, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)

    def th():
        y = torch.nn.functional.conv2d(tx, tk, tb, padding=1, groups=128)
        return torch.autograd.grad(y, (tx, tk, tb), torch.ones_like(y))

    _same_output(depthwise_conv2d(x, k, b, padding="same").data,
                 torch.nn.functional.conv2d(tx, tk, tb, padding=1, groups=128), torch)
    return fg, th


def mha_case(torch, causal=False):
    """MultiHeadAttention (self-attention) fwd+bwd closures for fastgraph's
    layer and torch.nn.MultiheadAttention, gradients of the input and of
    every weight."""
    from fastgraph.autodiff import Variable, gradients
    from fastgraph.layers import MultiHeadAttention
    N, T, E, H = 32, 128, 256, 8
    x = _rng().standard_normal((N, T, E), dtype=np.float32)
    layer = MultiHeadAttention(H, E // H)
    fx = Variable(x)
    layer(x, x)                                     # builds the weights
    params = [fx] + layer.trainable_weights

    def fg():
        y = layer(fx, fx, use_causal_mask=causal)
        return gradients(y, params, grad_loss=np.ones(y.shape, np.float32))

    net = torch.nn.MultiheadAttention(E, H, batch_first=True)
    tx = torch.tensor(x, requires_grad=True)
    tparams = [tx] + list(net.parameters())
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T) if causal else None

    def th():
        y, _ = net(tx, tx, tx, need_weights=False, attn_mask=mask, is_causal=causal)
        return torch.autograd.grad(y, tparams, torch.ones_like(y))

    return fg, th


CASES = {"conv2d": conv_case, "lstm": lstm_case, "dense": dense_case,
         "conv2d_transpose": conv_transpose_case, "depthwise": depthwise_case,
         "mha": mha_case, "mha_causal": lambda torch: mha_case(torch, causal=True)}


def time_pair(fg, th, reps, warmup=3):
    """Median ms of each closure, run in alternating blocks of BLOCK calls."""
    for _ in range(warmup):
        fg()
        th()
    times = {"fastgraph": [], "torch": []}
    while len(times["torch"]) < reps:
        for name, fn in (("fastgraph", fg), ("torch", th)):
            for _ in range(BLOCK):
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1e3)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", default="1,2")
    p.add_argument("--reps", type=int, default=None, help="timed calls per op (default 30)")
    p.add_argument("--quick", action="store_true", help="10 timed calls per op")
    p.add_argument("--ops", default=",".join(CASES))
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("compare_torch: PyTorch is not installed; nothing to compare against.")
        return 0
    from fastgraph import _threads
    reps = args.reps or (10 if args.quick else 30)
    rows = []
    for n in (int(t) for t in args.threads.split(",")):
        _threads.set_num_threads(n)
        torch.set_num_threads(n)
        for op in args.ops.split(","):
            fg, th = CASES[op](torch)
            ms = time_pair(fg, th, reps)
            rows.append((op, n, ms["fastgraph"], ms["torch"]))
            print(f"  {op} threads={n}: fastgraph {ms['fastgraph']:.2f} ms, "
                  f"torch {ms['torch']:.2f} ms", file=sys.stderr, flush=True)
    info = _threads.blas_info()
    print(f"NumPy BLAS: {info['vendor']} {info['corename']}; torch {torch.__version__}; "
          f"median of {reps} calls\n")
    print("| op (fwd+bwd) | threads | fastgraph ms | torch ms | fastgraph/torch | target |")
    print("|---|---|---|---|---|---|")
    for op, n, f, t in rows:
        target = f"<= {TARGETS[op]}" if op in TARGETS else ""
        print(f"| {op} | {n} | {f:.2f} | {t:.2f} | {f / t:.2f} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
