#!/usr/bin/env python3
"""PyTorch reference benchmark for the rnn-explain cells.

Times one full training step (forward over T steps, 11-logit softmax
cross-entropy, backward, Adam update) of the Deep, R-LSTM, ConvDeep, Conv+Deep
and Conv+R-LSTM-SD cells,
written the way a PyTorch user would write them: one nn.Module per cell,
nn.Linear / nn.Conv2d layers, a Python loop over the time steps and
F.dropout for naive per-step dropout (one mask per sequence for the stationary
"SD" dropout). The Conv+ cells feed each convolution's output of the previous
step back into it (concatenated channels, zeros at the first step).

The modules mirror lib/cells/catalog.ts (buildCell) with the "code" bias mode:
dense/conv layers whose bias is -softplus(b) have no bias (it is frozen at 0),
the R-LSTM gate biases are trainable and zero-initialised. Parameter names
match the TypeScript ones (`in1.weight`, `i_gate.bias`, ...); `--check`
prints them with their shapes in TypeScript orientation ([in, out] for dense,
[kh, kw, c_in, c_out] for conv, [1, N] for gate biases).

Usage:
  /usr/bin/python3 bench/torch_reference.py --json
  /usr/bin/python3 bench/torch_reference.py --cells deep --threads 1 --repeats 5
  /usr/bin/python3 bench/torch_reference.py --check
  /usr/bin/python3 bench/torch_reference.py --parity weights.json

With --json, stdout carries exactly one JSON array and nothing else; progress
goes to stderr. Exit status 2 means torch is not importable with this
interpreter, 1 a usage error.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time

HEIGHT = 28
KEEP_PROB = 0.8
DROP_P = 1.0 - KEEP_PROB
LEARNING_RATE = 0.0002
BETAS = (0.9, 0.999)
EPSILON = 1e-8
POOL_SCALE = 2.0  # the original code multiplies the 2x2 average by np.size([2, 2]) = 2
CELLS = ("deep", "rlstm", "convdeep", "conv+deep", "conv+rlstm-sd")

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as err:  # pragma: no cover - depends on the interpreter
    sys.stderr.write(
        f"torch_reference: torch is not importable with {sys.executable} ({err}).\n"
        "Install it with `apt-get install python3-torch` and run /usr/bin/python3.\n"
    )
    sys.exit(2)


class UsageError(Exception):
    """A command-line value that is out of range or unknown."""


def width_for_length(T: int) -> int:
    """Image width for a sequence length: 84 (MAJ, three digits) for T = 12, else 28."""
    return 84 if T == 12 else 28


def truncated_normal_(weight: torch.Tensor, fan_in: int) -> None:
    """Truncated normal, std 1/sqrt(fan_in), re-drawn beyond 2 sigma."""
    std = 1.0 / math.sqrt(fan_in)
    nn.init.trunc_normal_(weight, mean=0.0, std=std, a=-2.0 * std, b=2.0 * std)


def dense(n_in: int, n_out: int, bias: bool = False) -> nn.Linear:
    """A dense layer; bias only for the free (sigmoid gate) layers, zero-initialised."""
    layer = nn.Linear(n_in, n_out, bias=bias)
    truncated_normal_(layer.weight, n_in)
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


def conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
    """A stride-1 SAME convolution without bias (odd kernel, symmetric padding)."""
    layer = nn.Conv2d(c_in, c_out, k, stride=1, padding=k // 2, bias=False)
    truncated_normal_(layer.weight, k * k * c_in)
    return layer


def drop(x: torch.Tensor, training: bool) -> torch.Tensor:
    """Naive per-step dropout with keep 0.8 and inverted scaling."""
    return F.dropout(x, p=DROP_P, training=training)


def stationary_mask(like: torch.Tensor, training: bool) -> torch.Tensor:
    """One inverted-dropout mask (0 or 1/keep; ones in evaluation), reused at every step."""
    return F.dropout(torch.ones_like(like), p=DROP_P, training=training)


def pool_same(x: torch.Tensor) -> torch.Tensor:
    """2x2 stride-2 average pooling with TF SAME semantics, times 2.

    SAME pads only at the right/bottom when the size is odd, and the border
    windows average over their valid cells: 7 columns pool to 4, the last
    window covering one column. ceil_mode with no padding gives exactly that.
    """
    pooled = F.avg_pool2d(x, kernel_size=2, stride=2, padding=0, ceil_mode=True,
                          count_include_pad=False)
    return pooled * POOL_SCALE


def step_columns(T: int) -> int:
    width = width_for_length(T)
    if width % T != 0:
        raise UsageError(f"T = {T} does not divide the image width {width}")
    return width // T


def flat_steps(x: torch.Tensor, T: int) -> list[torch.Tensor]:
    """Column blocks of x (B, 28, W) flattened row-major: index = row * c + col."""
    c = x.shape[2] // T
    return [x[:, :, t * c:(t + 1) * c].reshape(x.shape[0], HEIGHT * c) for t in range(T)]


def image_steps(x: torch.Tensor, T: int) -> list[torch.Tensor]:
    """Column blocks of x (B, 28, W) as one-channel images (B, 1, 28, c)."""
    c = x.shape[2] // T
    return [x[:, None, :, t * c:(t + 1) * c] for t in range(T)]


class Deep(nn.Module):
    """Deep: in1 = ReLU(x W1); h = ReLU(drop([drop(in1), r]) W_cell); r' = ReLU(drop(h) W_rec)."""

    def __init__(self, T: int, n_in: int | None = None, in_units: int = 256):
        super().__init__()
        self.T = T
        self.in1 = dense(n_in if n_in is not None else HEIGHT * step_columns(T), in_units)
        self.hidden = dense(in_units + 256, 128)
        self.r = dense(128, 256)
        self.out1 = dense(128, 32)
        self.out2 = dense(32, 10)

    def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The recurrent state of the feature stack (none for flat inputs)."""
        return ()

    def features(self, x_t: torch.Tensor,
                 state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """The input of in1 at one step, and the feature stack's next state."""
        return x_t, state

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = x.new_zeros(x.shape[0], 256)
        h = r
        state = self.initial_state(x)
        for x_t in self.steps(x):
            features, state = self.features(x_t, state)
            in1 = F.relu(self.in1(features))
            cat = torch.cat([drop(in1, self.training), r], dim=1)
            h = F.relu(self.hidden(drop(cat, self.training)))
            r = F.relu(self.r(drop(h, self.training)))
        o = F.relu(self.out1(drop(h, self.training)))
        return self.out2(o)

    def steps(self, x: torch.Tensor) -> list[torch.Tensor]:
        return flat_steps(x, self.T)


class ConvStack:
    """The conv/pool stack of the conv cells: conv 5x5x24 -> pool -> conv 3x3x32 -> pool -> 448.

    With literal connections (the Conv+ cells) each convolution also reads its own output of
    the previous step, concatenated to its input channels (conv1 25 -> 24, conv2 56 -> 32),
    zeros at the first step.
    """

    conv1: nn.Conv2d
    conv2: nn.Conv2d
    T: int

    @staticmethod
    def feature_count(T: int) -> int:
        """The number of features the stack gives (448 at T = 12)."""
        c = step_columns(T)
        return math.ceil(math.ceil(HEIGHT / 2) / 2) * math.ceil(math.ceil(c / 2) / 2) * 32

    def init_stack(self, literal: bool) -> None:
        """Creates conv1 and conv2."""
        self.literal = literal
        self.conv1 = conv(1 + (24 if literal else 0), 24, 5)
        self.conv2 = conv(24 + (32 if literal else 0), 32, 3)

    def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if not self.literal:
            return ()
        c = step_columns(self.T)
        B = x.shape[0]
        return (x.new_zeros(B, 24, HEIGHT, c), x.new_zeros(B, 32, math.ceil(HEIGHT / 2),
                                                          math.ceil(c / 2)))

    def features(self, x_t: torch.Tensor,
                 state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        if self.literal:
            a1 = F.relu(self.conv1(torch.cat([x_t, state[0]], dim=1)))
            a2 = F.relu(self.conv2(torch.cat([pool_same(a1), state[1]], dim=1)))
            state = (a1, a2)
        else:
            a1 = F.relu(self.conv1(x_t))
            a2 = F.relu(self.conv2(pool_same(a1)))
        a = pool_same(a2)
        # flatten in (row, column, channel) order, as the NHWC TensorFlow graph does
        return a.permute(0, 2, 3, 1).reshape(a.shape[0], -1), state

    def steps(self, x: torch.Tensor) -> list[torch.Tensor]:
        return image_steps(x, self.T)


class ConvDeep(ConvStack, Deep):
    """ConvDeep (Conv+Deep with `literal`): the conv stack -> in1 128 -> the Deep body."""

    def __init__(self, T: int, literal: bool = False):
        Deep.__init__(self, T, n_in=ConvStack.feature_count(T), in_units=128)
        self.init_stack(literal)


class RLSTM(nn.Module):
    """R-LSTM with 72 cells (R-LSTM-SD with `stationary`).

    Gates drop(sigma(z W + b)), candidate g = ReLU(z W_g), c = f c' + i g, h = drop(o c).
    The stationary variant drops in1 and h with one mask per sequence and not the gates,
    whose layers are then named i, f, o (as in lib/cells/catalog.ts).
    """

    def __init__(self, T: int, units: int = 72, n_in: int | None = None, in_units: int = 256,
                 stationary: bool = False):
        super().__init__()
        self.T = T
        self.units = units
        self.stationary = stationary
        z = in_units + units
        self.in1 = dense(n_in if n_in is not None else HEIGHT * step_columns(T), in_units)
        self.gate_names = ("i", "f", "o") if stationary else ("i_gate", "f_gate", "o_gate")
        for name in self.gate_names:
            setattr(self, name, dense(z, units, bias=True))
        self.g = dense(z, units)
        self.out = dense(units, 10)

    def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ()

    def features(self, x_t: torch.Tensor,
                 state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        return x_t, state

    def steps(self, x: torch.Tensor) -> list[torch.Tensor]:
        return flat_steps(x, self.T)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.new_zeros(x.shape[0], self.units)
        c = h
        state = self.initial_state(x)
        masks: tuple[torch.Tensor, torch.Tensor] | None = None
        for x_t in self.steps(x):
            features, state = self.features(x_t, state)
            in1 = F.relu(self.in1(features))
            if self.stationary:
                if masks is None:
                    masks = (stationary_mask(in1, self.training), stationary_mask(h, self.training))
                in1 = in1 * masks[0]
            else:
                in1 = drop(in1, self.training)
            z = torch.cat([in1, h], dim=1)
            i, f, o = (torch.sigmoid(getattr(self, name)(z)) for name in self.gate_names)
            if not self.stationary:
                i, f, o = (drop(gate, self.training) for gate in (i, f, o))
            g = F.relu(self.g(z))
            c = f * c + i * g
            h = o * c * masks[1] if masks is not None else drop(o * c, self.training)
        return self.out(h)


class ConvRLSTM(ConvStack, RLSTM):
    """Conv+R-LSTM-SD (with `literal`): the conv stack -> in1 128 -> R-LSTM-SD with 96 cells."""

    def __init__(self, T: int, literal: bool = True):
        RLSTM.__init__(self, T, units=96, n_in=ConvStack.feature_count(T), in_units=128,
                       stationary=True)
        self.init_stack(literal)


def build(cell: str, T: int) -> nn.Module:
    """The module for a cell id; unknown ids list the valid ones."""
    if cell == "deep":
        return Deep(T)
    if cell == "rlstm":
        return RLSTM(T)
    if cell == "convdeep":
        return ConvDeep(T)
    if cell == "conv+deep":
        return ConvDeep(T, literal=True)
    if cell == "conv+rlstm-sd":
        return ConvRLSTM(T, literal=True)
    raise UsageError(f'unknown cell "{cell}"; valid cells: {", ".join(CELLS)}')


def loss_fn(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy over 11 logits: the 10 logits and a constant 0 (never the label)."""
    padded = torch.cat([logits, logits.new_zeros(logits.shape[0], 1)], dim=1)
    return F.cross_entropy(padded, labels)


def ts_shape(name: str, p: torch.Tensor) -> list[int]:
    """A parameter's shape in the TypeScript orientation."""
    if p.dim() == 2:
        return [p.shape[1], p.shape[0]]  # Linear (out, in) -> (in, out)
    if p.dim() == 4:
        # (c_out, c_in, kh, kw) -> (kh, kw, c_in, c_out)
        return [p.shape[2], p.shape[3], p.shape[1], p.shape[0]]
    if p.dim() == 1 and name.endswith(".bias"):
        return [1, p.shape[0]]
    return list(p.shape)


def parameter_report(cell: str, T: int) -> dict:
    """Trainable, weight-only and per-parameter counts of one cell."""
    module = build(cell, T)
    params = {name: {"shape": ts_shape(name, p), "size": p.numel()}
              for name, p in module.named_parameters() if p.requires_grad}
    weights = sum(v["size"] for k, v in params.items() if k.endswith(".weight"))
    return {
        "cell": cell,
        "T": T,
        "trainable": sum(v["size"] for v in params.values()),
        "weights": weights,
        "parameters": params,
    }


def load_ts_parameters(module: nn.Module, params: dict) -> None:
    """Copies parameters given in TypeScript orientation ({name: {shape, values}}) into module."""
    own = dict(module.named_parameters())
    if set(own) != set(params):
        raise UsageError(f"parameter names differ: module has {sorted(own)}, file has "
                         f"{sorted(params)}")
    with torch.no_grad():
        for name, p in own.items():
            t = torch.tensor(params[name]["values"], dtype=torch.float32)
            t = t.reshape(params[name]["shape"])
            if p.dim() == 2:
                t = t.t()
            elif p.dim() == 4:
                t = t.permute(3, 2, 0, 1)
            else:
                t = t.reshape(p.shape)
            if tuple(t.shape) != tuple(p.shape):
                raise UsageError(f'parameter "{name}": expected torch shape {list(p.shape)}, '
                                 f"got {list(t.shape)} from {params[name]['shape']}")
            p.copy_(t)


def parity_logits(path: str) -> dict:
    """Evaluation-mode logits for the weights and images in a JSON file.

    The file holds {"cell", "T", "params": {name: {"shape", "values"}}, "x": [B][28][W]}.
    """
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    module = build(spec["cell"], int(spec["T"]))
    load_ts_parameters(module, spec["params"])
    module.eval()
    with torch.no_grad():
        logits = module(torch.tensor(spec["x"], dtype=torch.float32))
    return {"cell": spec["cell"], "T": int(spec["T"]), "logits": logits.tolist()}


def benchmark(cell: str, T: int, batch: int, threads: int, warmup: int, repeats: int,
              seed: int) -> dict:
    """Times `repeats` training steps after `warmup` untimed ones; rates in sequences per second."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = build(cell, T)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=BETAS, eps=EPSILON)
    x = torch.rand(batch, HEIGHT, width_for_length(T)) * 2.0 - 1.0
    labels = torch.randint(0, 10, (batch,))

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        train_step()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        train_step()
        seconds.append(time.perf_counter() - start)
    rates = [batch / s for s in seconds]
    return {
        "cell": cell,
        "T": T,
        "batch": batch,
        "threads": threads,
        "median_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "torch_version": torch.__version__,
    }


def int_list(text: str, what: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f'--{what} expects comma-separated positive integers, got "{text}"')
    if not values or any(v < 1 for v in values):
        raise UsageError(f'--{what} expects comma-separated positive integers, got "{text}"')
    return values


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="torch_reference.py",
        description="PyTorch reference timings of one training step of the Deep, R-LSTM, "
        "ConvDeep, Conv+Deep and Conv+R-LSTM-SD cells.",
    )
    ap.add_argument("--cells", default=",".join(CELLS),
                    help=f"comma-separated cell ids (valid: {', '.join(CELLS)})")
    ap.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    ap.add_argument("--batch", type=int, default=50, help="batch size (default 50)")
    ap.add_argument("--T", type=int, default=12, help="sequence length (default 12, 28x84 input)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    ap.add_argument("--repeats", type=int, default=10, help="timed steps")
    ap.add_argument("--seed", type=int, default=0, help="torch seed for weights, data, dropout")
    ap.add_argument("--parity", metavar="FILE",
                    help="print the evaluation-mode logits (JSON) for the weights and images in "
                    "FILE, to compare with lib/cells")
    ap.add_argument("--json", action="store_true", help="print one JSON array on stdout")
    ap.add_argument("--check", action="store_true",
                    help="print parameter counts and shapes instead of timing")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        cells = [c.strip() for c in args.cells.split(",") if c.strip()]
        for c in cells:
            if c not in CELLS:
                raise UsageError(f'unknown cell "{c}"; valid cells: {", ".join(CELLS)}')
        if not cells:
            raise UsageError(f"--cells is empty; valid cells: {', '.join(CELLS)}")
        threads = int_list(args.threads, "threads")
        if args.batch < 1 or args.T < 1 or args.repeats < 1 or args.warmup < 0:
            raise UsageError("--batch, --T and --repeats must be >= 1 and --warmup >= 0, got "
                             f"{args.batch}, {args.T}, {args.repeats}, {args.warmup}")
        step_columns(args.T)
    except UsageError as err:
        sys.stderr.write(f"torch_reference: {err}\n")
        return 1

    if args.parity:
        try:
            print(json.dumps(parity_logits(args.parity)))
        except (OSError, KeyError, ValueError, UsageError) as err:
            sys.stderr.write(f"torch_reference: --parity {args.parity}: {err}\n")
            return 1
        return 0

    if args.check:
        reports = [parameter_report(c, args.T) for c in cells]
        if args.json:
            print(json.dumps(reports))
        else:
            for r in reports:
                print(f"{r['cell']} (T={r['T']}): trainable {r['trainable']:,}, "
                      f"weights only {r['weights']:,}")
                for name, p in r["parameters"].items():
                    print(f"  {name:<14} {str(p['shape']):<18} {p['size']:>8,}")
        return 0

    results = []
    for cell in cells:
        for n in threads:
            sys.stderr.write(f"torch_reference: {cell} T={args.T} batch={args.batch} "
                             f"threads={n} ...\n")
            r = benchmark(cell, args.T, args.batch, n, args.warmup, args.repeats, args.seed)
            sys.stderr.write(f"torch_reference:   median {r['median_per_s']:.1f} seq/s "
                             f"(min {r['min_per_s']:.1f}, max {r['max_per_s']:.1f})\n")
            results.append(r)
    if args.json:
        print(json.dumps(results))
    else:
        print(f"{'cell':<10}{'T':>4}{'batch':>7}{'threads':>9}{'median/s':>11}{'min/s':>10}"
              f"{'max/s':>10}  torch {torch.__version__}")
        for r in results:
            print(f"{r['cell']:<10}{r['T']:>4}{r['batch']:>7}{r['threads']:>9}"
                  f"{r['median_per_s']:>11.1f}{r['min_per_s']:>10.1f}{r['max_per_s']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
