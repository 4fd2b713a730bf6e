#!/usr/bin/python3
# An independent reference for Discern's pipeline: Keras-style loading and
# preprocessing with Pillow and NumPy, and VGG16 in PyTorch, reading the same
# Keras HDF5 weight file with h5py. Prints JSON Lines in discern-classify's
# format, so the two can be compared number by number.
#
#   vgg16-torch.py WEIGHTS.h5 LABELS.json [--top N] [--crop] IMAGE...
#
# Needs Debian's python3-torch, python3-h5py, python3-pil and python3-numpy.

import argparse
import json

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

MEANS_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)


def attribute_strings(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def read_layers(path):
    """Yields (kind, name, kernel, bias) in file order, as the engine does."""
    with h5py.File(path, "r") as weights:
        for name in attribute_strings(weights.attrs["layer_names"]):
            group = weights[name]
            weight_names = attribute_strings(group.attrs.get("weight_names", []))
            if weight_names:
                kernel = np.array(group[weight_names[0]], dtype=np.float32)
                bias = np.array(group[weight_names[1]], dtype=np.float32)
                kind = "conv" if kernel.ndim == 4 else "dense"
                yield kind, name, kernel, bias
            elif "pool" in name:
                yield "pool", name, None, None
            elif "flatten" in name:
                yield "flatten", name, None, None


def load_picture(path, size, crop):
    picture = ImageOps.exif_transpose(Image.open(path))
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        picture = picture.convert("RGBA")
        white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, picture)
    picture = picture.convert("RGB")
    if crop:
        side = min(picture.size)
        left = (picture.width - side) // 2
        top = (picture.height - side) // 2
        picture = picture.crop((left, top, left + side, top + side))
    return picture.resize((size, size), Image.NEAREST)


def preprocess(picture):
    rgb = np.asarray(picture, dtype=np.float32)
    return rgb[:, :, ::-1] - MEANS_BGR


def forward(layers, batch):
    # batch (N, H, W, 3) -> torch's (N, 3, H, W)
    x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2)
    dense = [i for i, layer in enumerate(layers) if layer[0] == "dense"]
    for i, (kind, _, kernel, bias) in enumerate(layers):
        if kind == "conv":
            weight = torch.from_numpy(kernel).permute(3, 2, 0, 1).contiguous()
            x = F.relu(F.conv2d(x, weight, torch.from_numpy(bias), padding=1))
        elif kind == "pool":
            x = F.max_pool2d(x, 2)
        elif kind == "flatten":
            # Keras flattens channels last.
            x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        else:
            x = x @ torch.from_numpy(kernel) + torch.from_numpy(bias)
            x = torch.softmax(x, dim=1) if i == dense[-1] else F.relu(x)
    return x.numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights")
    parser.add_argument("labels")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--crop", action="store_true")
    parser.add_argument("--size", type=int, default=224)
    options = parser.parse_args()

    torch.set_grad_enabled(False)
    layers = list(read_layers(options.weights))
    with open(options.labels) as f:
        labels = json.load(f)

    batch = np.stack([preprocess(load_picture(p, options.size, options.crop))
                      for p in options.images])
    probabilities = forward(layers, batch)
    for path, row in zip(options.images, probabilities):
        order = sorted(range(len(row)), key=lambda c: (-row[c], c))[:options.top]
        predictions = [{"rank": r + 1, "index": c, "wnid": labels[str(c)][0],
                        "label": labels[str(c)][1], "probability": float(row[c])}
                       for r, c in enumerate(order)]
        print(json.dumps({"input": path, "predictions": predictions}))


if __name__ == "__main__":
    main()
