"""Registration of the one UniFormer class in every toolbox that can build it.

``import uniformer_dense`` calls :func:`register_all`: the same class object goes into the
MODELS registries of MMEngine (root), MMDetection, MMSegmentation and MMPose (each only if
installed), so ``dict(type='UniFormer', variant='uniformer_s_h14')`` builds in any of their
configs, and into timm's model registry (``timm.create_model('uniformer_small',
features_only=True)``).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util

from .models.uniformer import ARCH_SETTINGS, VARIANT_ALIASES, UniFormer

TOOLBOX_REGISTRIES = ('mmengine.registry', 'mmdet.registry', 'mmseg.registry', 'mmpose.registry')


def toolbox_registry(scope: str, kind: str = 'MODELS'):
    """A registry (``MODELS``, ``DATASETS``, ``VISUALIZERS`` ...) of the toolbox that a
    config's ``default_scope`` names (``mmdet``, ``mmseg``, ``mmpose`` or ``mmengine``)."""
    return getattr(importlib.import_module(f'{scope}.registry'), kind)


def register_openmmlab():
    """Register :class:`UniFormer` as ``'UniFormer'`` in each installed toolbox's MODELS."""
    registered = []
    for module_name in TOOLBOX_REGISTRIES:
        if importlib.util.find_spec(module_name.split('.')[0]) is None:
            continue
        registry = importlib.import_module(module_name).MODELS
        # module_dict, not get(): get() would import the whole toolbox's model zoo.
        if registry.module_dict.get('UniFormer') is not UniFormer:
            registry.register_module(name='UniFormer', module=UniFormer, force=True)
        registered.append(module_name.split('.')[0])
    return registered


def _timm_factory(timm_name: str, variant: str):
    def factory(pretrained: bool = False, features_only: bool = False,
                out_indices=(0, 1, 2, 3), pretrained_cfg=None, pretrained_cfg_overlay=None,
                cache_dir=None, **kwargs):
        if not features_only:
            raise ValueError(
                f"timm model {timm_name!r} from uniformer_dense is a dense-prediction backbone "
                f"without a classifier: call timm.create_model({timm_name!r}, features_only=True).")
        if pretrained:
            raise ValueError(
                f'timm model {timm_name!r}: pretrained=True is not wired to the model zoo yet; '
                f"pass checkpoint_path=FILE, or build uniformer_dense.UniFormer with "
                f"init_cfg=dict(type='Pretrained', checkpoint=FILE).")
        model = UniFormer(variant=variant, out_indices=tuple(out_indices), **kwargs)
        model.init_weights()
        from timm.models._features import FeatureInfo
        info = [dict(num_chs=c, reduction=4 * 2 ** i, module=f'norm{i + 1}', index=i)
                for i, c in enumerate(model.embed_dims)]
        model.feature_info = FeatureInfo(info, tuple(out_indices))
        return model

    factory.__name__ = factory.__qualname__ = timm_name
    factory.__module__ = __name__
    factory.__doc__ = f'UniFormer backbone {variant!r} (multi-scale features only).'
    return factory


def register_timm():
    """Register every variant (and the authors' short names) as timm model entrypoints."""
    if importlib.util.find_spec('timm') is None:
        return []
    from timm.models import is_model, register_model
    names = dict({v: v for v in ARCH_SETTINGS}, **VARIANT_ALIASES)
    for timm_name, variant in names.items():
        if not is_model(timm_name):
            register_model(_timm_factory(timm_name, variant))
    return sorted(names)


def register_all():
    return register_openmmlab() + (['timm'] if register_timm() else [])


class UnknownModelTypeError(KeyError):
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
        variants = ', '.join(sorted(ARCH_SETTINGS))
        raise UnknownModelTypeError(
            f'{msg}\nThis package registers one backbone, type=\'UniFormer\' (variant= one of '
            f'{variants}), when `uniformer_dense` is imported: the tools in tools/ import it '
            f'themselves; elsewhere add custom_imports = dict(imports=[\'uniformer_dense\']) '
            f'to the config. Other types come from mmdet / mmseg / mmpose: check the '
            f'spelling and the config\'s default_scope.') from exc
