"""Writes a PyTorch nn.LSTM or nn.GRU + nn.Linear for tests/cells_torch_weights.test.ts.

Usage: torch_rnn_fixture.py <lstm|gru> <T> <hidden> <seed> <out-dir>

<out-dir>/model.safetensors holds the module's state_dict (names "rnn.*", "fc.*");
<out-dir>/io.safetensors holds seeded images [B, 28, W] in [-1, 1] and the
logits [B, 10] PyTorch computes for them, feeding step t the 28 x c block
image[:, :, t*c:(t+1)*c] read row-major and classifying the last output.
The safetensors files are written directly (header length, JSON header, data),
so the `safetensors` package is not needed.
"""

import json
import struct
import sys

import torch


class Classifier(torch.nn.Module):
    def __init__(self, kind: str, inputs: int, hidden: int):
        super().__init__()
        module = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
        self.rnn = module(inputs, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden, 10)

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(steps)
        return self.fc(out[:, -1])


def write_safetensors(path: str, tensors: dict) -> None:
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def main() -> None:
    kind, T, hidden, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    torch.manual_seed(seed)
    width = 84 if T == 12 else 28
    c = width // T
    model = Classifier(kind, 28 * c, hidden).eval()
    images = torch.rand(5, 28, width) * 2 - 1
    steps = torch.stack([images[:, :, t * c:(t + 1) * c].reshape(5, 28 * c) for t in range(T)], 1)
    with torch.no_grad():
        logits = model(steps)
    write_safetensors(f"{out}/model.safetensors", model.state_dict())
    write_safetensors(f"{out}/io.safetensors", {"images": images, "logits": logits})


if __name__ == "__main__":
    main()
