"""List and fetch model-zoo weights.

    python tools/download.py --list
    python tools/download.py NAME [NAME ...] [--cache-dir D]
    python tools/download.py --all [--cache-dir D]
    python tools/download.py --markdown > model_zoo.md

Files go to ``$UNIFORMER_DENSE_CACHE`` (default ``~/.cache/uniformer_dense/checkpoints``);
an interrupted download resumes; a checksum mismatch discards the download.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense import zoo  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('names', nargs='*', help='zoo entries to fetch')
    parser.add_argument('--list', action='store_true', help='list the model zoo')
    parser.add_argument('--all', action='store_true', help='fetch every released file')
    parser.add_argument('--markdown', action='store_true', help='print model_zoo.md')
    parser.add_argument('--cache-dir', help='download here instead of the cache')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if args.cache_dir:
        os.environ['UNIFORMER_DENSE_CACHE'] = args.cache_dir
    if args.markdown:
        print(zoo.markdown())
        return 0
    if args.list or not (args.names or args.all):
        for e in zoo.ENTRIES:
            cached = (zoo.cache_dir() / e.file_name).exists()
            metrics = ', '.join(f'{k} {v}' for k, v in e.paper)
            print(f"{e.name:40s} {e.task:8s} {metrics:32s} "
                  f"{'cached' if cached else ('-' if e.url is None else 'remote')}")
        return 0
    names = [e.name for e in zoo.ENTRIES if e.url] if args.all else args.names
    failed = 0
    for name in names:
        try:
            print(zoo.resolve(name, progress=not args.no_progress))
        except zoo.ZooError as exc:
            print(f'error: {exc}', file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
