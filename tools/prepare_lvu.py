"""Turn the LVU benchmark's released CSVs into the video lists of the LVU configs.

    python tools/prepare_lvu.py --lvu-root data/lvu_1.0 --videos data/lvu/videos \
        --out data/lvu/lists [--tasks scene genre ...]

Reads lvu_1.0/<task>/{train,val,test}.csv of every task (as LVU's own loader reads them),
matches each row's YouTube id to a downloaded file (<id>.mp4 / .mkv / .webm) and writes
<out>/<task>_<split>.txt ("<file> LABEL": a class index, or log(views) / likes ratio x 10 for
the regression tasks). Rows whose video is not downloaded are left out and reported: the
count per task and split, the first ids, and <out>/missing_videos.txt with all of them. A
partial download is not an error; a row that cannot be read as LVU's is (file and line).
Then: configs/long_video/lvu/stan_uniformer_s_frozen_<task>.py.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense.lvu import LVU_TASKS, MISSING_REPORT, prepare_lists  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--lvu-root', default='data/lvu_1.0', help='the unpacked lvu_1.0')
    parser.add_argument('--videos', default='data/lvu/videos', help='downloaded videos')
    parser.add_argument('--out', default='data/lvu/lists', help='where the lists go')
    parser.add_argument('--tasks', nargs='+', choices=list(LVU_TASKS),
                        help='only these tasks (default: every task folder of --lvu-root)')
    args = parser.parse_args(argv)
    report = prepare_lists(args.lvu_root, args.videos, args.out, args.tasks)  # LVUError: run_cli
    print(f'{"task/split":<24}{"listed":>8}{"written":>9}{"missing":>9}')
    for name, counts in report['tasks'].items():
        print(f'{name:<24}{counts["listed"]:>8}{counts["written"]:>9}{counts["missing"]:>9}')
    missing = report['missing_ids']
    if missing:
        first = ', '.join(vid for _, _, vid in missing[:5])
        print(f'\n{len(missing)} rows have no downloaded video (first: {first}); all are '
              f'listed in {Path(args.out) / MISSING_REPORT}. They are left out of the lists.')
    print(f'Lists written to {args.out}')


if __name__ == '__main__':
    run_cli(main)
