"""Registration of the UniFormer classes in every toolbox that can build them.

``import uniformer_dense`` calls :func:`register_all`, the package's one entry for every
registration it makes (see there). Of the backbones: the same class objects go into the
MODELS registries of MMEngine (root), MMDetection, MMSegmentation, MMPose, MMAction2 and
MMPretrain (each only if installed), so ``dict(type='UniFormer', variant='uniformer_s_h14')``
builds in any image toolbox's config and ``dict(type='UniFormerVideo',
variant='uniformer_video_s')`` in MMAction2's; MMPretrain also gets the ImageNet classifiers
(``UniFormerClassifier``). The classifiers and the image variants go into timm's model
registry (:mod:`uniformer_dense.timm_models`: ``timm.create_model('uniformer_small.in1k')``,
``timm.create_model('uniformer_s_h14', features_only=True)``).

MMAction2 has a ``UniFormer`` of its own (its port of the video network: centre inflation,
LayerNorm eps 1e-5), so in MMAction2's registry the image class is registered as
``UniFormerImage`` and the name ``UniFormer`` stays MMAction2's.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util

from . import hooks  # noqa: F401  (its import registers the safeguard hooks in MMEngine's HOOKS)
from .atomic_io import register_atomic_backend
from .checkpoint import load_backbone_checkpoint
from .compat import patch_mmaction_missing_drn, register_pose_visualizer
from .datacheck.transforms import register_transforms, register_video_transforms
from .distributed import prepare_toolbox_runners
from .errors import UserError
from .models.classifier import UniFormerClassifier
from .models.uniformer import (IMAGE_VARIANTS, VARIANT_ALIASES, VIDEO_VARIANTS, UniFormer,
                               UniFormerVideo)
from .safe_load import allow_mmengine_checkpoint_types
from .zoo import register_scheme

TOOLBOX_REGISTRIES = ('mmengine.registry', 'mmdet.registry', 'mmseg.registry', 'mmpose.registry',
                      'mmaction.registry', 'mmpretrain.registry')
# Registered names per toolbox scope; MMAction2 keeps its own 'UniFormer' (see above); MMPretrain
# gets the ImageNet classifiers (with their head, UniFormerClsHead in cls_head.py).
REGISTERED_NAMES = {'default': {'UniFormer': UniFormer, 'UniFormerVideo': UniFormerVideo},
                    'mmaction': {'UniFormerImage': UniFormer, 'UniFormerVideo': UniFormerVideo},
                    'mmpretrain': {'UniFormer': UniFormer,
                                   'UniFormerClassifier': UniFormerClassifier}}


def toolbox_registry(scope: str, kind: str = 'MODELS'):
    """A registry (``MODELS``, ``DATASETS``, ``VISUALIZERS`` ...) of the toolbox that a
    config's ``default_scope`` names (``mmdet``, ``mmseg``, ``mmpose`` or ``mmengine``)."""
    return getattr(importlib.import_module(f'{scope}.registry'), kind)


def register_openmmlab():
    """Register the classes under :data:`REGISTERED_NAMES` in each installed toolbox's MODELS."""
    registered = []
    for module_name in TOOLBOX_REGISTRIES:
        scope = module_name.split('.')[0]
        if importlib.util.find_spec(scope) is None:
            continue
        if scope == 'mmaction':
            patch_mmaction_missing_drn()  # before anything imports mmaction.models
        registry = importlib.import_module(module_name).MODELS
        for name, cls in REGISTERED_NAMES.get(scope, REGISTERED_NAMES['default']).items():
            # module_dict, not get(): get() would import the whole toolbox's model zoo.
            if registry.module_dict.get(name) is not cls:
                registry.register_module(name=name, module=cls, force=True)
        registered.append(scope)
    return registered


def register_timm():
    """The classifiers (with their pretrained tags) and backbone variants as timm models
    (:mod:`uniformer_dense.timm_models`), where timm is installed."""
    if importlib.util.find_spec('timm') is None:
        return []
    from .timm_models import register_timm as register  # imports timm
    return register()


def register_all():
    """Every registration the package makes, in one idempotent call (each step checks what
    is there first, so calling it again changes nothing): the backbones in the toolboxes'
    MODELS and timm, the ``zoo://`` scheme of MMEngine's checkpoint loader, the benign types
    of MMEngine's own checkpoints for safe loading, the ``atomic_local`` file backend, the
    safeguard hooks, MMDetection's ``CategorySubsetCocoMetric``, MMPretrain's classifiers and
    ``UniFormerClsHead``, MMPose's visualiser fix and
    the checking transforms of MMSegmentation and MMAction2 (each only if that toolbox is
    installed), and on machines without a usable CUDA device the multi-process launchers of
    MMEngine's runners (:func:`uniformer_dense.distributed.prepare_toolbox_runners`).

    ``import uniformer_dense`` calls it (what configs' ``custom_imports`` rely on); modules
    of the package that build from the registries call it themselves rather than importing
    the package for its side effect. Returns where the backbones were registered (toolbox
    scopes, and ``'timm'``)."""
    registered = register_openmmlab() + (['timm'] if register_timm() else [])
    register_scheme()
    allow_mmengine_checkpoint_types()
    register_atomic_backend()
    prepare_toolbox_runners()
    if importlib.util.find_spec('mmdet') is not None:
        from .coco_metric import register_coco_metric  # imports MMDetection
        register_coco_metric()
    if importlib.util.find_spec('mmpretrain') is not None:
        from .cls_head import register_cls_head  # imports MMPretrain
        from .cls_transforms import register_cls_transforms  # imports MMPretrain
        register_cls_head()
        register_cls_transforms()
    if importlib.util.find_spec('mmpose') is not None:
        register_pose_visualizer()
    if importlib.util.find_spec('mmseg') is not None:
        register_transforms()
    if importlib.util.find_spec('mmaction') is not None:
        register_video_transforms()
    return registered


class UnknownModelTypeError(UserError, KeyError):
    pass


@contextlib.contextmanager
def explain_unknown_types():
    """Turn MMEngine's "X is not in the model registry" into an error that says what to do."""
    try:
        yield
    except KeyError as exc:
        msg = str(exc.args[0]) if exc.args else ''
        if 'is not in the' not in msg or 'registry' not in msg:
            raise
        raise UnknownModelTypeError(
            f'{msg}\nThis package registers two backbones when `uniformer_dense` is imported: '
            f"type='UniFormer' (images; in MMAction2 configs 'UniFormerImage'; variant= one of "
            f"{', '.join(IMAGE_VARIANTS)}) and type='UniFormerVideo' (variant= one of "
            f"{', '.join(VIDEO_VARIANTS)}). The tools in tools/ import it themselves; elsewhere "
            f"add custom_imports = dict(imports=['uniformer_dense']) to the config. The long-"
            f"video recogniser type='STAN' (and STANHead, SampleLongVideo, STANFeatureDataset) "
            f"needs 'uniformer_dense.models.stan' and 'uniformer_dense.long_video' in "
            f"custom_imports too, as configs/long_video/ have it. Other "
            f'types come from mmdet / mmseg / mmpose / mmaction: check the spelling and the '
            f"config's default_scope.") from exc
