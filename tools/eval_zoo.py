"""Evaluate model-zoo entries and print one markdown table against the paper.

    python tools/eval_zoo.py NAME [NAME ...] [--tta] [--cfg-options k=v ...] [--out table.md]

Each entry's weights come from the cache (downloaded if needed, see tools/download.py) and
are evaluated with its config through the same harness as tools/test.py, loaded as
``zoo://NAME``: the authors' formats (ImageNet classifiers, MMDetection 2.x, MMSegmentation
0.x, SlowFast video files with their own class order) are converted when loaded. With --tta the
segmentation entries are compared with the paper's multi-scale mIoU.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense import harness, zoo  # noqa: E402
from uniformer_dense.checkpoint import CheckpointError  # noqa: E402


def evaluate(name, cfg_options=None, work_dir=None, tta=False):
    entry = zoo.get_entry(name)
    if entry.config is None:
        raise SystemExit(f'{name!r} is a backbone ({entry.task}): nothing to evaluate here.')
    cfg = harness.load_config(entry.config, cfg_options,
                              str(Path(work_dir or 'work_dirs/eval_zoo') / name))
    if tta:
        harness.enable_tta(cfg)
    # zoo://NAME: downloaded if needed, the authors' formats converted when loaded
    zoo.resolve(name)
    result = harness.test(cfg, f'zoo://{name}')
    paper = dict(entry.paper)
    rows = []
    for metric, measured in result['headline'].items():
        key = 'ms_miou' if tta and metric == 'miou' and 'ms_miou' in paper else metric
        if key in paper:
            # the toolboxes report COCO AP and MMAction2's accuracy in [0, 1], mIoU and
            # MMPretrain's accuracy in %; the papers all in %
            scale = 100 if entry.task in ('det', 'pose', 'action') else 1
            rows.append((name, key, measured * scale, paper[key]))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('names', nargs='+')
    parser.add_argument('--tta', action='store_true')
    parser.add_argument('--out', help='also write the table here')
    harness.add_common_args(parser)
    args = harness.parse_tool_args(parser, argv)
    rows = []
    for name in args.names:
        try:
            rows += evaluate(name, args.cfg_options, args.work_dir, args.tta)
        except (zoo.ZooError, CheckpointError) as exc:
            raise SystemExit(f'error: {name}: {exc}') from exc
    lines = ['| model | metric | measured | paper | difference |', '|---|---|---|---|---|']
    lines += [f'| {n} | {m} | {got:.1f} | {ref:.1f} | {got - ref:+.1f} |' for n, m, got, ref in rows]
    table = '\n'.join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + '\n')


if __name__ == '__main__':
    run_cli(main)
