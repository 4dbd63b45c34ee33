"""Build every UniFormer variant, run one image (or, for the video variants, one clip of
``--frames`` frames) through it, print a table.

Shows what the backbone returns (four maps at strides 4-32; the video network's one map at
stride 2x32x32) and what it costs on this machine. Weights are random: this checks the
machinery, not accuracy.
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from uniformer_dense.models import ARCH_SETTINGS, VIDEO_VARIANTS, create_backbone  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--size', type=int, nargs=2, default=(224, 288), metavar=('H', 'W'))
    parser.add_argument('--frames', type=int, default=8, help='clip length for video variants')
    parser.add_argument('--variants', nargs='*', default=list(ARCH_SETTINGS))
    args = parser.parse_args()
    torch.manual_seed(0)
    image = torch.randn(1, 3, *args.size)
    clip = torch.randn(1, 3, args.frames, *args.size)
    print(f'input {tuple(image.shape)}; video variants {tuple(clip.shape)}')
    print('| variant | params | output shapes | forward ms |')
    print('|---|---|---|---|')
    for name in args.variants:
        model = create_backbone(name).eval()
        model.init_weights()
        x = clip if name in VIDEO_VARIANTS else image
        with torch.inference_mode():
            model(x)  # warm-up
            start = time.perf_counter()
            outs = model(x)
            ms = 1000 * (time.perf_counter() - start)
        outs = outs if isinstance(outs, tuple) else (outs,)
        params = sum(p.numel() for p in model.parameters())
        shapes = ' '.join('x'.join(map(str, o.shape[1:])) for o in outs)
        print(f'| {name} | {params / 1e6:.2f}M | {shapes} | {ms:.0f} |')


if __name__ == '__main__':
    main()
