"""Train a detector, segmentor or pose model with a UniFormer backbone.

    python tools/train.py CONFIG [--work-dir D] [--resume [CKPT]] [--amp] [--cfg-options k=v ...]

Distributed: ``torchrun --nproc_per_node N tools/train.py CONFIG --launcher pytorch``
(or ``tools/dist_train.sh CONFIG N``).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense import harness  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model with a UniFormer backbone')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or without a value from the latest checkpoint '
                             'in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual batch size over base_batch_size')
    return harness.parse_tool_args(harness.add_common_args(parser), argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = harness.load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    if args.amp:
        harness.enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    harness.set_resume(cfg, args.resume)
    harness.train(cfg, partial_load=args.partial_load)


if __name__ == '__main__':
    run_cli(main)
