"""Convert the authors' released checkpoints (detection, segmentation, pose, video).

    python tools/convert_checkpoint.py SRC DST [--source FORMAT] [--config CFG]
        [--src-classes FILE --dst-classes FILE | --keep-class-order [--src-classes FILE]]

Formats (told from the keys unless --source says): mmdet2, mmseg0, mmpose0 (the authors'
MMDetection 2.x / MMSegmentation 0.x / MMPose 0.x files), slowfast (the authors' video files,
{'model_state': ...} or a bare state dict as on Hugging Face) and mmaction (MMAction2's own
converted UniFormer files, passed through).

A video classifier's rows follow its training's class order: the authors' Kinetics order
differs from MMAction2's alphabetical one, so an authors' video file is re-indexed by class
name between --src-classes (the file's order; e.g. the authors' kinetics_400_categroies.txt,
"name<TAB>index") and --dst-classes (the config's; e.g. MMAction2's label_map_k400.txt, one
name per line), and the destination's names are stored as the checkpoint's classes:

    python tools/convert_checkpoint.py uniformer_small_k400_16x4.pth uniformer_video_s_k400.pth \\
        --src-classes kinetics_400_categroies.txt --dst-classes label_map_k400.txt \\
        --config configs/video/uniformer_video_s_16x4_k400.py

With ``--config`` the converted weights are loaded into that config's model and any missing
or unexpected key is an error, so a converted file is known to fit before it is used.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense.checkpoint import CheckpointError  # noqa: E402
from uniformer_dense.convert import SOURCES, convert_checkpoint  # noqa: E402


def check_against_config(dst: str, config: str):
    from uniformer_dense.analysis import build_model
    from uniformer_dense.checkpoint import diff_state_dict
    from uniformer_dense.harness import load_config
    from uniformer_dense.safe_load import safe_torch_load
    model = build_model(load_config(config), init=False)
    state = safe_torch_load(dst, map_location='cpu')['state_dict']
    _, missing, unexpected, mismatched = diff_state_dict(model.state_dict(), state)
    if missing or unexpected or mismatched:
        raise SystemExit(f'{dst} does not fit {config}: missing {missing[:10]}, unexpected '
                         f'{unexpected[:10]}, shape mismatch {mismatched[:10]}.')
    print(f'checked: all {len(state)} tensors fit {config}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--source', choices=SOURCES, help='default: told from the keys')
    parser.add_argument('--config', help='verify the result against this config\'s model')
    parser.add_argument('--src-classes', metavar='FILE',
                        help='video: class list in the order of the file\'s classifier rows')
    parser.add_argument('--dst-classes', metavar='FILE',
                        help='video: class list in the order wanted (the config\'s dataset)')
    parser.add_argument('--keep-class-order', action='store_true',
                        help='video: keep the classifier rows as they are')
    args = parser.parse_args(argv)
    try:
        summary = convert_checkpoint(args.src, args.dst, args.source,
                                     src_classes=args.src_classes, dst_classes=args.dst_classes,
                                     keep_class_order=args.keep_class_order)
    except (CheckpointError, ValueError, FileNotFoundError) as exc:
        raise SystemExit(f'convert_checkpoint.py: error: {exc}')
    order = (f', classifier re-indexed from {args.src_classes} to {args.dst_classes}'
             if summary['reindexed'] else '')
    print(f"converted {args.src} ({summary['source']}, {summary['tensors']} tensors, "
          f"{summary['classes']} classes{order}) -> {args.dst}")
    if args.config:
        check_against_config(args.dst, args.config)


if __name__ == '__main__':
    run_cli(main)
