"""What every data check shares: the error it raises, and how it reads a config's datasets.

A dataset entry of a config may be a wrapper (``ConcatDataset``, ``RepeatDataset``, ...)
around the datasets that read files; the checks look at those leaves, and name each by its
config key (``train_dataloader.dataset.datasets[1]``) so that the error says what to edit.
"""
from __future__ import annotations

import os.path as osp
from typing import Iterator, List, Tuple


class DatasetError(ValueError):
    """A dataset in the config that cannot be used as it is. A user's error for the tools
    (:mod:`uniformer_dense.errors` counts it among them; this package imports nothing above
    it)."""


def show_items(items: List, limit: int = 5) -> str:
    """The first ``limit`` items for a message, and how many more there are."""
    more = f' ... (+{len(items) - limit} more)' if len(items) > limit else ''
    return ', '.join(map(str, items[:limit])) + more


def leaf_datasets(ds_cfg, key: str) -> Iterator[Tuple[dict, str]]:
    """The leaf dataset configs under wrappers (ConcatDataset, RepeatDataset, ...)."""
    if 'datasets' in ds_cfg:
        for i, sub in enumerate(ds_cfg['datasets']):
            yield from leaf_datasets(sub, f'{key}.datasets[{i}]')
    elif 'dataset' in ds_cfg:
        yield from leaf_datasets(ds_cfg['dataset'], f'{key}.dataset')
    else:
        yield ds_cfg, key


def join_root(root: str, path: str) -> str:
    """``path`` under ``data_root``, as the toolboxes resolve it (absolute paths stay)."""
    return path if not root or osp.isabs(path) else osp.join(root, path)


def type_name(cfg: dict) -> str:
    """The registered name of a config's ``type`` (a name, a scoped name, or a class)."""
    kind = cfg.get('type', '')
    return kind.split('.')[-1] if isinstance(kind, str) else getattr(kind, '__name__', '')
