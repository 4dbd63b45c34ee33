"""Evaluate a checkpoint of any task and write one JSON of metrics.

    python tools/test.py CONFIG CHECKPOINT [--work-dir D] [--out metrics.json] [--tta]
                         [--cfg-options ...]

The JSON holds the task, the headline metrics under common names (det: box_ap, mask_ap;
seg: miou, macc, aacc; pose: keypoint_ap) and the toolbox's full metric set.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense import harness  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a model with a UniFormer backbone')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, URL or zoo://NAME')
    parser.add_argument('--out', help='write the metrics JSON here')
    parser.add_argument('--tta', action='store_true',
                        help='multi-scale + flip test (the config\'s tta_pipeline/tta_model)')
    return harness.parse_tool_args(harness.add_common_args(parser), argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = harness.load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    if args.tta:
        harness.enable_tta(cfg)
    result = harness.test(cfg, args.checkpoint, args.out, partial_load=args.partial_load)
    print(json.dumps(result['headline'], indent=2))


if __name__ == '__main__':
    run_cli(main)
