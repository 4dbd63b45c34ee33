"""Getting one file over HTTP: resume, Google Drive's confirm step, validation, mirrors.

:func:`download` fetches one URL the way the zoo does: bytes go to ``FILE.part`` (resumed
with a Range request after an interruption, with a progress bar) and become ``FILE`` only
once they are what was asked for (a checkpoint that loads safely, or text) and match the
published SHA-256. :func:`download_first` tries a file's mirrors in order with it.
"""
from __future__ import annotations

import errno
import hashlib
import http.client
import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

from ..safe_load import checkpoint_problem, describe_bytes, safe_load_problem, torch_container
from .catalog import Mirror, is_google_drive
from .errors import AllSourcesFailed, SourceError, StorageError, ZooError


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Page:
    """A response that is not the file: kept to follow Drive's confirm step or to report."""
    status: int
    content_type: str
    body: bytes
    url: str


def _opener():
    # one cookie jar per download: Google Drive's confirm step may set cookies
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _looks_like_page(head: bytes, content_type: str, kind: str) -> bool:
    """Whether the first bytes of an answer are a page (HTML, an error...) rather than the
    file of ``kind``: for a checkpoint, anything that is not a PyTorch container."""
    ctype = content_type.lower()
    if kind == 'text':
        return 'html' in ctype or head.lstrip()[:15].lower().startswith((b'<!doctype', b'<html'))
    return torch_container(head) is None


PAGE_LIMIT = 2 << 20  # bytes of a non-file answer kept (Drive's pages are ~3 KB)
# Errors of the disk rather than the network: the message then says where to make room.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES,
                  errno.EPERM)


def _transfer(opener, url: str, part: Path, timeout: float, progress: bool, label: str,
              kind: str):
    """GET ``url`` into ``part`` (resuming it with Range); returns None when the body was
    written, or a :class:`_Page` when the answer is not the file (nothing written)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={'Range': f'bytes={have}-'} if have else {})
    try:
        resp = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            return None
        body = b''
        try:
            body = exc.read(4096)
        except Exception:
            pass
        what = f'; the server sent {describe_bytes(body, exc.headers.get("Content-Type", ""))}' \
            if body else ''
        raise SourceError(f'HTTP {exc.code} {exc.reason}{what}') from exc
    with resp:
        content_type = resp.headers.get('Content-Type', '') or ''
        resumed = bool(have) and resp.status == 206
        head = resp.read(1 << 16) if not resumed else b''
        if resumed:
            if 'html' in content_type.lower() or 'json' in content_type.lower():
                return _Page(resp.status, content_type, resp.read(PAGE_LIMIT), resp.geturl())
        elif _looks_like_page(head, content_type, kind):
            return _Page(resp.status, content_type, head + resp.read(PAGE_LIMIT - len(head)),
                         resp.geturl())
        total = resp.headers.get('Content-Length')
        total = int(total) + (have if resumed else 0) if total else None
        try:
            with open(part, 'ab' if resumed else 'wb') as out, _progress(
                    progress, total, have if resumed else 0, label) as bar:
                out.write(head)
                bar.update(len(head))
                while True:
                    chunk = resp.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.update(len(chunk))
        except OSError as exc:
            if exc.errno in STORAGE_ERRNOS:
                raise StorageError(_storage_message(exc, part, url)) from exc
            raise _interrupted(url, part, total, exc) from exc
        except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            raise _interrupted(url, part, total, exc) from exc
        if total is not None and part.stat().st_size < total:
            raise _interrupted(url, part, total, None)
    return None


def _interrupted(url, part: Path, total, exc) -> SourceError:
    got = part.stat().st_size if part.exists() else 0
    of = f' of {total}' if total else ''
    cause = f' ({type(exc).__name__}: {exc})' if exc is not None else ' (connection closed)'
    return SourceError(f'the transfer stopped after {got}{of} bytes{cause}. The partial file '
                       f'{part} is kept: run the same command again to resume')


def _drive_confirm_url(page: _Page, url: str) -> str:
    """The URL behind Google Drive's "can't scan this file for viruses" page, read with
    gdown's parser of that page; Drive's own error (quota, permission) otherwise."""
    try:
        from gdown.download import get_url_from_gdrive_confirmation
        from gdown.exceptions import FileURLRetrievalError
    except ImportError as exc:
        raise SourceError(f'Google Drive answered {url} with its confirm page; following it '
                          f'needs the gdown package (pip install "gdown>=5.2,<7"): '
                          f'{exc}') from exc
    text = page.body.decode('utf-8', 'replace')
    try:
        return get_url_from_gdrive_confirmation(text)
    except FileURLRetrievalError as exc:
        reason = re.sub(r'<[^>]+>', '', str(exc)).strip()
        raise SourceError(
            f'Google Drive did not give the file: "{reason}" (its page: '
            f'{describe_bytes(page.body, page.content_type)}). Drive limits how often a shared '
            f'file can be downloaded; try again in a day, use another mirror, or download it '
            f'in a browser and pass the file instead') from exc


def _download(url: str, dest: Path, sha256: Optional[str] = None,
              sha256_prefix: Optional[str] = None, timeout: float = 60, progress: bool = True,
              kind: str = 'checkpoint', drive: Optional[bool] = None,
              part: Optional[Path] = None) -> Tuple[Path, str, int]:
    """:func:`download`, its failures unworded (:class:`SourceError` or
    :class:`StorageError`); returns ``(dest, sha256, size)``."""
    dest = Path(dest)
    part = Path(part) if part else dest.with_name(dest.name + '.part')
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(_storage_message(exc, dest.parent, url)) from exc
    drive = is_google_drive(url) if drive is None else drive
    opener = _opener()
    target, hops = url, 0
    try:
        while True:  # the file, or Google Drive's confirm page first (at most twice)
            page = _transfer(opener, target, part, timeout, progress, dest.name, kind)
            if page is None:
                break
            if drive and hops < 2 and 'html' in (page.content_type.lower() or 'html'):
                target, hops = _drive_confirm_url(page, url), hops + 1
                continue
            raise SourceError(
                f'{target} answered HTTP {page.status} with '
                f'{describe_bytes(page.body, page.content_type)}, {len(page.body)} bytes, '
                f'instead of the file. Nothing was stored under {dest}. '
                + (f"Google Drive's confirm step led nowhere; " if drive else '')
                + 'The link may be dead or need a login; try another mirror, or download the '
                  f'file in a browser and pass its path')
    except ZooError:
        raise
    except urllib.error.URLError as exc:
        raise SourceError(f'cannot reach {target}: {exc.reason}') from exc
    except OSError as exc:
        if exc.errno in STORAGE_ERRNOS:
            raise StorageError(_storage_message(exc, part, url)) from exc
        raise SourceError(f'cannot reach {target}: {exc}') from exc
    except http.client.HTTPException as exc:
        raise SourceError(f'{target} broke the HTTP exchange: {type(exc).__name__}: '
                          f'{exc}') from exc

    problem, got = _verify(part, kind, sha256, sha256_prefix)
    if problem:
        size = part.stat().st_size
        part.unlink()
        raise SourceError(f'{url} sent {size} bytes that are {problem}. The download was '
                          f'discarded; {dest} was not touched')
    size = part.stat().st_size
    os.replace(part, dest)
    return dest, got, size


def _verify(part: Path, kind: str, sha256, sha256_prefix) -> Tuple[Optional[str], str]:
    """(why ``part`` is not acceptable or None, its SHA-256)."""
    if kind == 'checkpoint':
        problem = checkpoint_problem(part)
        if problem:
            return problem, ''
    else:
        head = part.read_bytes()[:4096]
        if _looks_like_page(head, '', 'text'):
            return f'not a text file but {describe_bytes(head)}', ''
    got = sha256_of(part)
    if (sha256 and got != sha256) or (sha256_prefix and not got.startswith(sha256_prefix)):
        return (f'not the published file (Checksum mismatch: expected SHA-256 '
                f'{sha256 or sha256_prefix + "..."}, got {got})'), got
    if kind == 'checkpoint':
        problem = safe_load_problem(part)
        if problem:
            return f'a PyTorch file but {problem}', got
    return None, got


def download(url: str, dest: Path, sha256: Optional[str] = None,
             sha256_prefix: Optional[str] = None, timeout: float = 60,
             progress: bool = True, kind: str = 'checkpoint', drive: Optional[bool] = None,
             part: Optional[Path] = None) -> Path:
    """Fetch one file ``url`` to ``dest`` through ``dest.part``, as the zoo does.

    A partial ``.part`` left by an interrupted run is resumed with an HTTP Range request.
    Google Drive's confirm page is followed (``drive``: None decides by the host name).
    The result is renamed to ``dest`` only when it is a checkpoint (``kind='checkpoint'``: a
    PyTorch zip or pickle that loads with safe loading) or text (``kind='text'``) and matches
    ``sha256`` / ``sha256_prefix`` when given; otherwise it is discarded and an existing
    ``dest`` is left untouched.
    """
    try:
        return _download(url, dest, sha256, sha256_prefix, timeout, progress, kind, drive,
                         part)[0]
    except SourceError as exc:
        raise SourceError(f'Download of {url} failed: {exc}.') from exc


def _storage_message(exc: OSError, path: Path, url: str) -> str:
    kept = ''
    if path.name.endswith('.part') and path.exists():
        kept = (f' The {path.stat().st_size} bytes already written stay in {path}; run again '
                f'to resume once there is room.')
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        cause = 'the disk (or quota) is full'
        fix = 'free space there, or point UNIFORMER_DENSE_CACHE at a disk with room'
    else:
        cause = 'the location is not writable'
        fix = ('point UNIFORMER_DENSE_CACHE at a writable directory, or download elsewhere '
               'with `python tools/download.py NAME --cache-dir DIR` and copy the file into '
               'the cache')
    return (f'Cannot write {path} while downloading {url}: {cause} ({exc.strerror or exc}). '
            f'To fix: {fix}.{kept}')


def _progress(enabled: bool, total, initial: int, name: str):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit='B', unit_scale=True, desc=name,
                disable=not enabled, leave=False)


def part_of(dest: Path, index: int) -> Path:
    """The partial file of source ``index``: each source resumes only its own bytes."""
    return dest.with_name(dest.name + ('.part' if index == 0 else f'.{index}.part'))


def download_first(sources: Sequence[Mirror], dest: Path, kind: str = 'checkpoint',
                   progress: bool = True, announce: bool = True) -> Tuple[Mirror, str, int]:
    """Download ``dest`` from the first of ``sources`` (tried in order) that gives a valid
    file; returns ``(that source, the file's SHA-256, its size)``.

    A full or read-only disk stops at once (:class:`StorageError`: no mirror helps); when
    every source fails, :class:`AllSourcesFailed` lists each with why. ``announce`` says on
    stderr when one fails and the next is tried. The partial files of the other sources
    are removed once one succeeds."""
    failures = []
    for index, source in enumerate(sources):
        try:
            _, got, size = _download(source.url, dest, source.sha256, source.sha256_prefix,
                                     progress=progress, kind=kind, drive=source.drive,
                                     part=part_of(dest, index))
        except SourceError as exc:
            failures.append((source, str(exc)))
            if announce and index + 1 < len(sources):
                print(f'uniformer_dense: {source.url} failed ({exc}); trying the next source',
                      file=sys.stderr)
            continue
        for other in range(len(sources)):
            if other != index and part_of(dest, other).exists():
                part_of(dest, other).unlink()
        return source, got, size
    raise AllSourcesFailed(failures)
