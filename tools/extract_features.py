"""Cache the frozen backbones' features of a STAN config, once, for training on them.

    python tools/extract_features.py CONFIG [CHECKPOINT] --out-dir DIR
        [--splits train val test] [--device cpu|cuda] [--overwrite]

Runs the config's test pipeline (deterministic clip sampling) over the videos of each
split's list and writes DIR/<path in the list>.pt per video: the static and temporal token
sequences and their times. Without CHECKPOINT the backbones load their own init_cfg weights
(the zoo's ImageNet / Kinetics files); with one (a trained STAN), its backbones. Files already
there are kept, so an interrupted run resumes. Then train with a config whose datasets are
STANFeatureDataset over DIR (configs/long_video/stan_uniformer_s_cached.py).
"""
import argparse
import sys
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
    args = parser.parse_args(argv)
    counts = extract_features(args.config, args.checkpoint, args.out_dir, args.splits,
                              device=args.device, overwrite=args.overwrite)
    print(f"\n{counts['written']} feature files written, {counts['kept']} kept, "
          f'in {args.out_dir}')


if __name__ == '__main__':
    run_cli(main)
