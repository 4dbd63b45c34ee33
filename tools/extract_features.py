"""Cache the frozen backbones' features of a STAN config, once, for training on them.

    python tools/extract_features.py CONFIG [CHECKPOINT] --out-dir DIR
        [--splits train val test] [--device cpu|cuda] [--overwrite] [--views K]

Runs the config's test pipeline (deterministic clip sampling) over the videos of each
split's list and writes DIR/<path in the list>.pt per video: the static and temporal token
sequences and their times. Without CHECKPOINT the backbones load their own init_cfg weights
(the zoo's ImageNet / Kinetics files); with one (a trained STAN), its backbones. Files already
there are kept, so an interrupted run resumes. Then train with a config whose datasets are
STANFeatureDataset over DIR (configs/long_video/stan_uniformer_s_cached.py).

--views K: the train split gets K augmented views per video instead (the config's train
pipeline: random clip and static-frame positions, crop, flip; view k of a video made with a
fixed seed), stacked in its file; FeatureViewSampler (the cached configs' train sampler)
gives one per epoch. Val and test keep the one deterministic view. The end of the run prints
the disk and time per video, and what 1000 videos take.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense.long_video import extract_features  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a STAN config with frozen backbones')
    parser.add_argument('checkpoint', nargs='?', help='a trained STAN (optional)')
    parser.add_argument('--out-dir', required=True, help='feature directory')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--overwrite', action='store_true',
                        help='re-extract files that exist (e.g. after changing backbones)')
    parser.add_argument('--views', type=int, default=1,
                        help='augmented views per training video (default 1: the test view)')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = extract_features(args.config, args.checkpoint, args.out_dir, args.splits,
                              device=args.device, overwrite=args.overwrite, views=args.views)
    seconds = time.perf_counter() - start
    print(f"\n{counts['written']} feature files written, {counts['kept']} kept, "
          f'in {args.out_dir}')
    if counts['written']:
        files = [p for p in Path(args.out_dir).rglob('*.pt')]
        size = sum(p.stat().st_size for p in files) / max(len(files), 1)
        per_video = seconds / counts['written']
        print(f'{size / 2 ** 20:.2f} MB and {per_video:.1f} s per video here '
              f'(~{size * 1000 / 2 ** 30:.2f} GB and ~{per_video * 1000 / 3600:.1f} h per 1000 '
              f'videos on this device)')


if __name__ == '__main__':
    run_cli(main)
