"""Model-zoo names for weights, and the ``zoo://NAME`` checkpoint scheme.

A config names shared weights by zoo name, ``init_cfg=dict(type='Pretrained',
checkpoint='zoo://uniformer_small_in1k')``, the same way in detection, segmentation and pose
configs. The name resolves to a file in the cache (``$UNIFORMER_DENSE_CACHE`` or
``~/.cache/uniformer_dense/checkpoints``), downloaded on first use into a temporary file that
is renamed only once complete (and checksum-verified where the SHA-256 is known). With
``UNIFORMER_DENSE_OFFLINE=1`` nothing is downloaded and a missing file is an error naming it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HF = 'https://huggingface.co/Sense-X/uniformer_image/resolve/main/'
GDRIVE = 'https://drive.google.com/uc?export=download&id='


@dataclass(frozen=True)
class ZooWeights:
    name: str
    url: str
    sha256: Optional[str] = None
    variant: Optional[str] = None  # the backbone variant the file fits


# ImageNet-1K backbones every downstream model starts from (authors' release).
WEIGHTS = {w.name: w for w in [
    ZooWeights('uniformer_small_in1k', HF + 'uniformer_small_in1k.pth', variant='uniformer_s'),
    ZooWeights('uniformer_base_in1k', HF + 'uniformer_base_in1k.pth', variant='uniformer_b'),
    ZooWeights('uniformer_base_ls_in1k', HF + 'uniformer_base_ls_in1k.pth', variant='uniformer_b'),
    ZooWeights('uniformer_xxs_in1k', GDRIVE + '1Cw9r_3c30N-esFI8RFYa6rQXJrr1rAHY',
               variant='uniformer_xxs'),
    ZooWeights('uniformer_xs_in1k', GDRIVE + '1CwQ91fjuAu3Rhn3zV4vjAmQ8v36AfYPT',
               variant='uniformer_xs'),
]}


class ZooError(RuntimeError):
    pass


def cache_dir() -> Path:
    root = os.environ.get('UNIFORMER_DENSE_CACHE')
    return Path(root) if root else Path.home() / '.cache' / 'uniformer_dense' / 'checkpoints'


def offline() -> bool:
    return os.environ.get('UNIFORMER_DENSE_OFFLINE', '').lower() in ('1', 'true', 'yes')


def get_entry(name: str) -> ZooWeights:
    if name not in WEIGHTS:
        raise ZooError(f'Unknown model-zoo name {name!r}. Known weights: {sorted(WEIGHTS)}.')
    return WEIGHTS[name]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, dest: Path, sha256: Optional[str] = None, timeout: float = 60) -> Path:
    """Fetch ``url`` to ``dest`` through ``dest.part``; rename only when complete and verified.

    A partial ``.part`` from an interrupted run is resumed with an HTTP Range request.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + '.part')
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={'Range': f'bytes={have}-'} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            resumed = have and resp.status == 206
            with open(part, 'ab' if resumed else 'wb') as out:
                shutil.copyfileobj(resp, out, 1 << 20)
    except urllib.error.HTTPError as exc:
        raise ZooError(f'Download of {url} failed: HTTP {exc.code} {exc.reason}.') from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ZooError(f'Download of {url} failed: {exc}. The partial file {part} is kept; '
                       f'run again to resume.') from exc
    if sha256:
        got = sha256_of(part)
        if got != sha256:
            part.unlink()
            raise ZooError(f'Checksum mismatch for {url}: expected SHA-256 {sha256}, got {got}. '
                           f'The download was discarded; {dest} was not touched.')
    os.replace(part, dest)
    return dest


def resolve(name: str) -> Path:
    """Local path of zoo weights ``name``, downloading them if needed."""
    entry = get_entry(name)
    path = cache_dir() / f'{entry.name}.pth'
    if path.exists():
        return path
    if offline():
        raise ZooError(f'{name!r} is not in the cache ({path}) and UNIFORMER_DENSE_OFFLINE is '
                       f'set: download it first with `python tools/download.py {name}` or copy '
                       f'the file there.')
    return download(entry.url, path, entry.sha256)


def _load_zoo_checkpoint(filename: str, map_location=None):
    import torch
    return torch.load(resolve(filename[len('zoo://'):]), map_location=map_location,
                      weights_only=True)


def register_scheme():
    """Teach MMEngine's checkpoint loader the ``zoo://`` prefix."""
    from mmengine.runner.checkpoint import CheckpointLoader
    if 'zoo://' not in CheckpointLoader._schemes:
        CheckpointLoader.register_scheme(prefixes='zoo://', loader=_load_zoo_checkpoint)
