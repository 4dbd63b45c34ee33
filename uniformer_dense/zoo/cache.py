"""The local cache of zoo files: where it is, its manifest of verified files, and what to do
with a cached file that is bad (move it aside, not delete it, and download again).

``$UNIFORMER_DENSE_CACHE`` (default ``~/.cache/uniformer_dense/checkpoints``) holds the files
under their entry's file name, the class lists under ``class_lists/``, and ``manifest.json``:
SHA-256, size and URL of every file a verified download (or ``--verify``) put there.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ..safe_load import checkpoint_problem, safe_load_problem
from .catalog import CLASS_LISTS, WEIGHTS, Mirror, ZooWeights, get_entry
from .download import download_first, sha256_of
from .errors import AllSourcesFailed, ZooError


def cache_dir() -> Path:
    root = os.environ.get('UNIFORMER_DENSE_CACHE')
    return Path(root) if root else Path.home() / '.cache' / 'uniformer_dense' / 'checkpoints'


def manifest_path() -> Path:
    return cache_dir() / 'manifest.json'


def offline() -> bool:
    return os.environ.get('UNIFORMER_DENSE_OFFLINE', '').lower() in ('1', 'true', 'yes')


def user_mirrors() -> List[str]:
    """Base URLs of ``$UNIFORMER_DENSE_MIRROR`` (comma- or space-separated), tried first."""
    raw = os.environ.get('UNIFORMER_DENSE_MIRROR', '')
    return [u if u.endswith('/') else u + '/' for u in re.split(r'[,\s]+', raw) if u]


# ---------------------------------------------------------------- manifest
def read_manifest() -> dict:
    path = manifest_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return dict(data.get('files', {}))
    except (ValueError, OSError, AttributeError):
        return {}


def _write_manifest(files: dict) -> None:
    path = manifest_path()
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    tmp.write_text(json.dumps(dict(version=1, files=files), indent=1, sort_keys=True) + '\n')
    os.replace(tmp, path)


def record(file_name: str, sha256: str, size: int, url: str, how: str = 'downloaded') -> None:
    """Note a verified file in the manifest (re-read first: another process may write too)."""
    files = read_manifest()
    files[file_name] = dict(sha256=sha256, size=size, url=url, how=how,
                            recorded=datetime.datetime.now(datetime.timezone.utc)
                            .strftime('%Y-%m-%dT%H:%M:%SZ'))
    try:
        _write_manifest(files)
    except OSError as exc:  # the file itself is fine; say why it is not recorded
        print(f'warning: could not record {file_name} in {manifest_path()}: {exc}',
              file=sys.stderr)


def forget(file_name: str) -> None:
    files = read_manifest()
    if files.pop(file_name, None) is not None:
        try:
            _write_manifest(files)
        except OSError:
            pass


# ---------------------------------------------------------------- bad files
def move_aside(path: Path, reason: str) -> Path:
    """Rename a bad cached file to ``NAME.bad-DATE`` (kept for inspection), say so."""
    stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    aside = path.with_name(f'{path.name}.bad-{stamp}')
    n = 1
    while aside.exists():
        aside = path.with_name(f'{path.name}.bad-{stamp}-{n}')
        n += 1
    os.replace(path, aside)
    forget(path.name)
    print(f'uniformer_dense: the cached file {path} is unusable: {reason}. It was moved aside '
          f'to {aside} (delete it when you no longer need it).', file=sys.stderr)
    return aside


def cached_problem(path: Path) -> Optional[str]:
    """Why the cached ``path`` cannot be used (checked on every use, cheaply), or None."""
    problem = checkpoint_problem(path)
    if problem:
        return problem
    rec = read_manifest().get(path.name)
    size = path.stat().st_size
    if rec and rec.get('size') is not None and rec['size'] != size:
        return (f'it has {size} bytes, not the {rec["size"]} recorded in {manifest_path()} '
                f'when it was downloaded from {rec.get("url")}')
    return None


# ---------------------------------------------------------------- an entry's file
def _no_release(entry: ZooWeights) -> ZooError:
    return ZooError(f'{entry.name!r}: the authors released no checkpoint for this model '
                    f'({entry.note}); train it with {entry.config}.')


def fetch(name_or_entry, dest: Optional[Path] = None, progress: bool = True,
          sources: Optional[Sequence[Mirror]] = None) -> Path:
    """Download an entry's file from its sources in order (``$UNIFORMER_DENSE_MIRROR``
    first), keep the first valid one, record it in the manifest."""
    entry = get_entry(name_or_entry) if isinstance(name_or_entry, str) else name_or_entry
    dest = Path(dest) if dest else cache_dir() / entry.file_name
    if sources is None:
        sources = [Mirror(base + entry.file_name) for base in user_mirrors()] + list(entry.sources)
    if not sources:
        raise _no_release(entry)
    rec = read_manifest().get(dest.name)
    # a source without a published SHA-256 must give the same file as it did last time
    sources = [dataclasses.replace(s, sha256=rec.get('sha256'))
               if not s.sha256 and not s.sha256_prefix and rec and rec.get('url') == s.url
               else s for s in sources]
    try:
        source, got, size = download_first(sources, dest, progress=progress)
    except AllSourcesFailed as exc:
        lines = '\n'.join(f'  {i}. {s.url} ({s.host}): {why}.'
                          for i, (s, why) in enumerate(exc.failures, 1))
        which = 'its only source' if len(exc.failures) == 1 else \
            f'all {len(exc.failures)} sources'
        raise ZooError(
            f'Could not download {entry.name!r} ({dest.name}): {which} failed:\n{lines}\n'
            f'What to do: run the command again later (an interrupted transfer resumes); set '
            f'UNIFORMER_DENSE_MIRROR to a base URL that serves {dest.name}; or get the file by '
            f'hand from one of the URLs above and put it at {dest} (a later '
            f'`python tools/download.py --verify` checks it).') from exc
    record(dest.name, got, size, source.url)
    return dest


def resolve(name: str, progress: bool = True) -> Path:
    """Local path of zoo weights ``name``, downloading them if needed.

    A cached file that is not a checkpoint (e.g. an HTML page an older version stored) is
    moved aside and downloaded again."""
    entry = get_entry(name)
    if entry.url is None and not user_mirrors():
        raise _no_release(entry)
    path = cache_dir() / entry.file_name
    aside = None
    if path.exists():
        problem = cached_problem(path)
        if problem is None:
            return path
        aside = move_aside(path, problem)
    if offline():
        again = f' (the cached copy was bad and was moved to {aside})' if aside else ''
        raise ZooError(f'{name!r} is not in the cache ({path}){again} and '
                       f'UNIFORMER_DENSE_OFFLINE is set: download it first with '
                       f'`python tools/download.py {name}` or copy the file there.')
    return fetch(entry, path, progress)


def class_list_files(dataset: str, progress: bool = False) -> Tuple[List[Path], Path]:
    """Local copies of ``dataset``'s class lists: (the authors' file(s), MMAction2's)."""
    if dataset not in CLASS_LISTS:
        raise ZooError(f'No class lists for dataset {dataset!r}; known: {sorted(CLASS_LISTS)}.')
    authors, mmaction = CLASS_LISTS[dataset]
    paths = []
    for item in (*authors, mmaction):
        path = cache_dir() / 'class_lists' / item.file_name
        if path.exists() and sha256_of(path) != item.sha256:
            move_aside(path, f'its SHA-256 is not the pinned {item.sha256}')
        if not path.exists():
            if offline():
                raise ZooError(f'the class list {path} is not in the cache and '
                               f'UNIFORMER_DENSE_OFFLINE is set')
            sources = [Mirror(base + 'class_lists/' + item.file_name, item.sha256)
                       for base in user_mirrors()] + [Mirror(item.url, item.sha256)]
            try:
                download_first(sources, path, kind='text', progress=progress, announce=False)
            except AllSourcesFailed as exc:
                raise ZooError(f'could not download the class list {item.file_name}: '
                               f'{exc}') from exc
        paths.append(path)
    return paths[:-1], paths[-1]


# ---------------------------------------------------------------- cache verification
def verify(names: Optional[Sequence[str]] = None, move_bad: bool = True):
    """Check cached files against the manifest: ``[(file_name, status, detail)]`` with
    status 'ok', 'recorded' (valid, not in the manifest before: now it is), 'bad' (moved
    aside when ``move_bad``) or 'absent' (named but not cached)."""
    files = read_manifest()
    entries = [get_entry(n) for n in names] if names else [e for e in WEIGHTS.values() if e.url]
    seen, results = set(), []
    for entry in entries:
        if entry.file_name in seen:
            continue
        seen.add(entry.file_name)
        path = cache_dir() / entry.file_name
        if not path.exists():
            if names:
                results.append((entry.file_name, 'absent', f'not in {cache_dir()}'))
            continue
        rec = files.get(entry.file_name)
        problem = checkpoint_problem(path)
        got = sha256_of(path) if not problem else None
        if not problem and rec:
            if got != rec.get('sha256'):
                problem = (f'SHA-256 {got} differs from the {rec.get("sha256")} recorded when it '
                           f'was downloaded from {rec.get("url")}')
        elif not problem:
            problem = safe_load_problem(path)
        if problem:
            detail = problem
            if move_bad:
                aside = move_aside(path, problem)
                detail += f'; moved to {aside.name}, the next use downloads it again'
            results.append((entry.file_name, 'bad', detail))
            continue
        published = {s.sha256 for s in entry.sources if s.sha256}
        note = ''
        if published and got not in published:
            note = (' (not one of the published files of this entry: placed by hand or from '
                    'another mirror)')
        if rec:
            results.append((entry.file_name, 'ok', f'sha256 {got} from {rec.get("url")}{note}'))
        else:
            record(entry.file_name, got, path.stat().st_size, url='', how='found in the cache')
            results.append((entry.file_name, 'recorded',
                            f'sha256 {got}: a valid checkpoint not downloaded by this version, '
                            f'recorded now{note}'))
    return results
