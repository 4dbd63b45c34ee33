"""Export a model (or its backbone) to ONNX and check it with onnxruntime on the spot.

    python tools/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--shape H W] [--dynamic]
                                [--backbone-only] [--dynamo] [--rtol 1e-4]

CHECKPOINT is a whole model trained with CONFIG (path, URL or zoo://NAME), or `none` for
the initial weights. Segmentation exports the decode head's logits, pose the heatmaps,
detection backbone + neck, video recognisers the backbone; the graph's input is the
normalised image (see uniformer_dense/export.py). Prints one JSON report with the largest
relative difference to PyTorch and exits with status 1 above the tolerance.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense import export  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export to ONNX, checked with onnxruntime')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="whole-model checkpoint, URL, zoo://NAME or 'none'")
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='export input size (default: the config\'s test size)')
    parser.add_argument('--dynamic', action='store_true',
                        help='symbolic height and width (checked at a second, odd size too)')
    parser.add_argument('--backbone-only', action='store_true')
    parser.add_argument('--dynamo', action='store_true',
                        help='use the torch.export-based exporter instead of TorchScript')
    parser.add_argument('--opset', type=int)
    parser.add_argument('--rtol', type=float, default=export.DEFAULT_RTOL,
                        help='largest accepted max|ort - torch| / max|torch| per output')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        report = export.export_config(
            args.config, args.checkpoint, args.out, shape=args.shape, dynamic=args.dynamic,
            backbone_only=args.backbone_only, dynamo=args.dynamo, rtol=args.rtol,
            opset=args.opset)
    except export.ExportError as exc:
        print(f'export_onnx: {exc}', file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
