"""Convert the authors' released detection / segmentation / pose checkpoints.

    python tools/convert_checkpoint.py SRC DST [--source mmdet2|mmseg0|mmpose0] [--config CFG]

With ``--config`` the converted weights are loaded into that config's model and any missing
or unexpected key is an error, so a converted file is known to fit before it is used.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.convert import SOURCES, convert_checkpoint  # noqa: E402


def check_against_config(dst: str, config: str):
    import torch
    from uniformer_dense.analysis import build_model
    from uniformer_dense.checkpoint import diff_state_dict
    from uniformer_dense.harness import load_config
    model = build_model(load_config(config), init=False)
    state = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    _, missing, unexpected, mismatched = diff_state_dict(model.state_dict(), state)
    if missing or unexpected or mismatched:
        raise SystemExit(f'{dst} does not fit {config}: missing {missing[:10]}, unexpected '
                         f'{unexpected[:10]}, shape mismatch {mismatched[:10]}.')
    print(f'checked: all {len(state)} tensors fit {config}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--source', choices=SOURCES, help='default: told from the keys')
    parser.add_argument('--config', help='verify the result against this config\'s model')
    args = parser.parse_args(argv)
    summary = convert_checkpoint(args.src, args.dst, args.source)
    print(f"converted {args.src} ({summary['source']}, {summary['tensors']} tensors, "
          f"{summary['classes']} classes) -> {args.dst}")
    if args.config:
        check_against_config(args.dst, args.config)


if __name__ == '__main__':
    main()
