"""Parameters, FLOPs (multiply-accumulates), latency and peak memory of a config's model.

    python tools/benchmark.py CONFIG [CONFIG ...] [--json] [--skip-speed] [--shape H W]
                              [--device cpu|cuda]

Besides ``config``, ``task`` and ``device``: ``params`` (int), ``flops`` (multiply-accumulates
of one forward, what the UniFormer papers and the model zoo call FLOPs; true FLOPs are twice
that), ``latency_ms`` (median), ``peak_mem_mb``, ``shape``; video configs add their test views
(``flops`` is per view, per video for STAN: ``flops_per``). Several configs are measured one
after the other in one process (``--json``: one object per line, in the order given). See
:mod:`uniformer_dense.analysis`.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense.analysis import measure  # noqa: E402
from uniformer_dense.harness import load_config  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', nargs='+')
    parser.add_argument('--json', action='store_true', help='print one JSON object per config')
    parser.add_argument('--skip-speed', action='store_true',
                        help='parameters only: no FLOPs, latency or memory')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input size (default: the size the paper reports FLOPs at)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    for config in args.config:
        result = measure(load_config(config), args.shape, args.skip_speed, args.repeats,
                         args.device)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            for key, value in result.items():
                print(f'{key}: {value}')


if __name__ == '__main__':
    run_cli(main)
