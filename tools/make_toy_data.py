"""Generate the deterministic toy dataset (COCO, ADE20K layout, class folders, videos, long
videos):
    python tools/make_toy_data.py [OUT_DIR]."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense.toy_data import (make_ade_segmentation, make_class_folders,  # noqa: E402
                                      make_coco_instances, make_toy_long_videos,
                                      make_toy_videos)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('out', nargs='?', default='data/toy')
    parser.add_argument('--train', type=int, default=48)
    parser.add_argument('--val', type=int, default=12)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--video-train', type=int, default=256,
                        help='training videos (the toy video config trains on 256)')
    parser.add_argument('--video-val', type=int, default=32)
    parser.add_argument('--long-videos', action='store_true',
                        help='also the two-minute event-order videos of the STAN toy configs')
    args = parser.parse_args(argv)
    root = Path(args.out)
    make_coco_instances(root, args.train, args.val, seed=args.seed)
    print(f'toy COCO instances written to {root}')
    make_ade_segmentation(root / 'ade', args.train, args.val, seed=args.seed + 1)
    print(f'toy ADE20K-style segmentation written to {root / "ade"}')
    make_class_folders(root / 'cls', seed=args.seed + 3)
    print(f'toy classification folders (one per class; token-labeling maps in labels/) '
          f'written to {root / "cls"}')
    make_toy_videos(root / 'video', args.video_train, args.video_val, seed=args.seed + 2)
    print(f'toy videos (MMAction2 video lists) written to {root / "video"}')
    if args.long_videos:
        make_toy_long_videos(root / 'long_video', seed=args.seed + 4)
        print(f'toy two-minute videos (event order) written to {root / "long_video"}')


if __name__ == '__main__':
    run_cli(main)
