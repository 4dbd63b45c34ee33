"""List, fetch and verify model-zoo weights.

    python tools/download.py --list                  entries, their sources in order, cache state
    python tools/download.py NAME [NAME ...] [--cache-dir D]
    python tools/download.py --all [--cache-dir D]
    python tools/download.py --verify [NAME ...]     check cached files against the manifest
    python tools/download.py --class-lists           the video class lists (for zoo:// loads)
    python tools/download.py --markdown > model_zoo.md

Files go to ``$UNIFORMER_DENSE_CACHE`` (default ``~/.cache/uniformer_dense/checkpoints``).
Each entry's sources are tried in order until one gives a valid checkpoint (a PyTorch file
that loads with safe loading and matches its published SHA-256, where there is one); an
interrupted download resumes; Google Drive's confirm page is followed. Every verified file is
recorded (SHA-256, size, URL) in ``manifest.json`` in the cache; ``--verify`` checks the
cached files against it and moves a bad one aside (``NAME.bad-DATE``) so that the next use
downloads it again. ``$UNIFORMER_DENSE_MIRROR`` (base URLs) is tried before the listed
sources.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from uniformer_dense import zoo  # noqa: E402


def _list():
    manifest = zoo.read_manifest()
    for e in zoo.ENTRIES:
        path = zoo.cache_dir() / e.file_name
        if e.url is None:
            state = 'no file released'
        elif path.exists():
            rec = manifest.get(e.file_name)
            state = f'cached, sha256 {rec["sha256"][:12]}...' if rec else 'cached (unverified)'
        else:
            state = 'remote'
        metrics = ', '.join(f'{k} {v}' for k, v in e.paper)
        shared = f' (file of {e.weights_of})' if e.weights_of else ''
        print(f'{e.name:40s} {e.task:8s} {metrics:32s} {state}{shared}')
        for i, source in enumerate(e.sources, 1):
            check = (f'sha256 {source.sha256[:12]}...' if source.sha256 else
                     f'sha256 {source.sha256_prefix}...' if source.sha256_prefix else
                     'sha256 recorded on first download')
            print(f'    {i}. {source.host}: {source.url}  [{check}]')
    mirrors = zoo.user_mirrors()
    if mirrors:
        print(f'UNIFORMER_DENSE_MIRROR: tried first: {", ".join(mirrors)}')


def _verify(names):
    results = zoo.verify(names or None)
    if not results:
        print(f'No model-zoo files in {zoo.cache_dir()}.')
    for file_name, status, detail in results:
        print(f'{status:9s} {file_name}: {detail}')
    return 1 if any(status in ('bad', 'absent') for _, status, _ in results) else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('names', nargs='*', help='zoo entries to fetch (or to --verify)')
    parser.add_argument('--list', action='store_true', help='list the model zoo and sources')
    parser.add_argument('--all', action='store_true', help='fetch every released file')
    parser.add_argument('--verify', action='store_true',
                        help='check the cached files against the manifest of SHA-256s')
    parser.add_argument('--class-lists', action='store_true',
                        help='fetch the class lists that zoo:// video loads re-index with')
    parser.add_argument('--markdown', action='store_true', help='print model_zoo.md')
    parser.add_argument('--cache-dir', help='download here instead of the cache')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if args.cache_dir:
        os.environ['UNIFORMER_DENSE_CACHE'] = args.cache_dir
    if args.markdown:
        print(zoo.markdown())
        return 0
    if args.verify:
        try:
            return _verify(args.names)
        except zoo.ZooError as exc:
            print(f'error: {exc}', file=sys.stderr)
            return 1
    if args.class_lists:
        failed = 0
        for dataset in zoo.CLASS_LISTS:
            try:
                authors, mmaction = zoo.class_list_files(dataset, progress=not args.no_progress)
                print(f'{dataset}: {", ".join(map(str, authors))} -> {mmaction}')
            except zoo.ZooError as exc:
                print(f'error: {dataset}: {exc}', file=sys.stderr)
                failed += 1
        return 1 if failed else 0
    if args.list or not (args.names or args.all):
        _list()
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
    sys.exit(run_cli(main))
