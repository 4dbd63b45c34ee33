"""Access to ../shared/reference and the synthetic-weight recipe of its README."""
from __future__ import annotations

import importlib
import json
import math
import os
import zlib
from pathlib import Path

import pytest
import torch

SHARED = Path(__file__).resolve().parents[2] / 'shared'
REFERENCE = SHARED / 'reference'
COCO_MINI = SHARED / 'data' / 'coco_mini'
LAYOUT_VARIANTS = ('uniformer_s', 'uniformer_s_h14', 'uniformer_s_w32', 'uniformer_s_h32',
                   'uniformer_b', 'uniformer_b_h14', 'uniformer_xxs', 'uniformer_xs')


def require_shared(path: Path = SHARED) -> Path:
    """Skip when ../shared is absent (a user's clone); fail instead under CI=true."""
    if not path.exists():
        msg = f'{path} is absent: the shared reference data sits beside the checkout in CI'
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(msg + ' and CI=true, so this must not be skipped.')
        pytest.skip(msg)
    return path


def require_module(name: str):
    """Import a pinned test dependency (requirements/tests.txt); skip without it on a user's
    machine, fail under CI=true (a broken install must not turn tests into skips)."""
    if os.environ.get('CI', '').lower() not in ('', '0', 'false', 'no'):
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            pytest.fail(f'{name} is pinned in requirements/ but cannot be imported ({exc}); '
                        f'CI=true, so this must not be skipped.')
    return pytest.importorskip(name)


def load_layout(name: str, folder: str = 'uniformer_layout') -> dict:
    path = require_shared(REFERENCE / folder / f'{name}.layout.json')
    return json.loads(path.read_text())


def load_golden(path: Path) -> dict:
    return json.loads(require_shared(path).read_text())


def golden_files():
    """The eval-mode output goldens of the image backbone (not the training-gradient one,
    ``*.train_grad.golden.json``, whose fields differ)."""
    folder = REFERENCE / 'uniformer_golden'
    return sorted(p for p in folder.glob('*.golden.json')
                  if not p.name.endswith('.train_grad.golden.json')) if folder.exists() else []


def synthetic_tensor(key: str, shape, dtype: str) -> torch.Tensor:
    """The deterministic tensor the reference README prescribes for ``key``."""
    g = torch.Generator().manual_seed(zlib.crc32(key.encode()))
    shape = tuple(shape)
    if 'int' in dtype:
        return torch.zeros(shape, dtype=getattr(torch, dtype))
    if key.endswith('running_var'):
        return torch.rand(shape, generator=g) + 0.5
    if key.endswith('running_mean'):
        return 0.1 * torch.randn(shape, generator=g)
    if len(shape) <= 1:
        if key.endswith('weight'):
            return 1 + 0.1 * torch.randn(shape, generator=g)
        return 0.02 * torch.randn(shape, generator=g)
    return torch.randn(shape, generator=g) / math.sqrt(math.prod(shape[1:]))


def synthetic_state_dict(layout: dict) -> dict:
    return {k: synthetic_tensor(k, s, t) for k, s, t in layout['state_dict']}


def golden_input(h: int, w: int) -> torch.Tensor:
    return torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(h * 1000 + w))


def _probe(tensor: torch.Tensor, seed: int, count: int):
    """(dot, sample_index): the float64 sum of ``tensor`` times a randn drawn from ``seed``, then
    ``count`` flat indices drawn from that same generator, the goldens' way of fingerprinting a
    tensor too large to store."""
    g = torch.Generator().manual_seed(seed)
    weights = torch.randn(tensor.shape, generator=g, dtype=torch.float64)
    dot = (tensor.double() * weights).sum().item()
    index = torch.randint(0, tensor.numel(), (count,), generator=g)
    return dot, index


def golden_probe(output: torch.Tensor, i: int):
    """(dot, sample_index) of output ``i`` as the golden files define them."""
    return _probe(output, 7 * i + 1, 16)


def grad_probe(grad: torch.Tensor, key: str):
    """(dot, sample_index) of parameter ``key``'s gradient as the training-gradient golden
    (``*.train_grad.golden.json``) defines them."""
    return _probe(grad, zlib.crc32(key.encode()) ^ 1, 8)


def classifier_layout(name: str) -> dict:
    """The authors' ImageNet classifier ``name`` (``imagenet_cls/NAME.layout.json``)."""
    return load_layout(name, 'imagenet_cls')


def authors_classifier_state(name: str) -> dict:
    """Synthetic weights (the README's recipe) of the authors' classifier ``name``."""
    return synthetic_state_dict(classifier_layout(name))


def save_authors_classifier(path, name: str = 'uniformer_xxs_in1k', key: str = 'model'):
    """The authors' ImageNet file of ``name`` as they release it (weights under ``model``),
    synthetic weights; returns (path, state)."""
    state = authors_classifier_state(name)
    torch.save({key: state}, path)
    return path, state


def mmpretrain_pipeline(steps):
    """MMPretrain's transforms built in MMPretrain's scope (an earlier test may have left
    another toolbox as MMEngine's default scope, whose registry would be searched instead)."""
    from mmcv.transforms import Compose
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import TRANSFORMS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return Compose([TRANSFORMS.build(step) for step in steps])
