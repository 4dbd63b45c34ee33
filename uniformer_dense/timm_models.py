"""The family in timm: ``timm.create_model('uniformer_small.in1k', pretrained=True)``.

Every released ImageNet classifier of the model zoo is a timm model with a pretrained tag,
named from its zoo entry: ``uniformer_small.in1k``, ``uniformer_small.tl_in1k`` (token
labeling), ``uniformer_small.tl_in1k_384``, ``uniformer_xxs.in1k_128`` ... (zoo name = model +
'_' + tag). The tag picks the network as well as the weights: the token-labeling S and B use
head dim 32 and a per-token head, so ``uniformer_small.tl_in1k`` is not
``uniformer_small.in1k`` with other weights. Each tag has a full pretrained config (input
size, crop_pct, bicubic, ImageNet mean / std, classifier), so ``timm.data.resolve_data_config``
and ``create_transform`` give the authors' evaluation transform; weights come through the
zoo (mirrors, checksums). ``num_classes=N`` gives a new head (the file's head is not loaded);
``features_only=True`` builds the dense-prediction backbone of the tag's network (four maps,
strides 4-32) instead. The other backbone variants (``uniformer_s_h14`` ...) are registered
for ``features_only=True`` only.

Needs timm (a runtime dependency): :func:`uniformer_dense.registry.register_all` calls
:func:`register_timm` where it is installed.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from timm.models import is_model, model_entrypoint, register_model
from timm.models._builder import resolve_pretrained_cfg
from timm.models._features import FeatureInfo
from timm.models._pretrained import DefaultCfg, PretrainedCfg

from .checkpoint import load_backbone_checkpoint
from .models.classifier import CLASSIFIERS, UniFormerClassifier
from .models.uniformer import ARCH_SETTINGS, IMAGE_VARIANTS, VARIANT_ALIASES, UniFormer
from .timm_filters import timm_load_state_dict_pre_hook
from .zoo import ENTRIES, ZooWeights, get_entry, imagenet_entry

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The authors' evaluation crops: size / crop_pct is the resized short side (timm's rule).
CROP_PCT = {'plain': 0.875, 'token_labeling': 0.9}
_TAG = re.compile(r'^(?P<model>.+?)_(?P<tag>(?:tl_)?in1k(?:_\d+)?)$')

# timm reads a model's pretrained configs from its entry point's module: this dict.
default_cfgs: Dict[str, DefaultCfg] = {}


def timm_name(entry: ZooWeights) -> Tuple[str, str]:
    """(timm model, pretrained tag) of a classifier of the zoo."""
    match = _TAG.match(entry.name)
    if entry.task != 'cls' or match is None:
        raise ValueError(f'{entry.name!r} is not an ImageNet classifier of the zoo.')
    return match['model'], match['tag']


def pretrained_cfg_of(entry: ZooWeights) -> PretrainedCfg:
    """timm's pretrained config of a zoo classifier (the authors' evaluation transform)."""
    token_labeling = CLASSIFIERS[entry.arch][1]
    size = entry.input_size
    return PretrainedCfg(
        url=f'zoo://{entry.name}', num_classes=1000, input_size=(3, size, size),
        pool_size=(size // 32, size // 32), crop_pct=CROP_PCT[
            'token_labeling' if token_labeling else 'plain'], crop_mode='center',
        interpolation='bicubic', mean=IMAGENET_MEAN, std=IMAGENET_STD,
        first_conv=('patch_embed1.proj.0' if ARCH_SETTINGS[entry.variant]['conv_stem']
                    else 'patch_embed1.proj'),
        classifier='head',
        description=f"UniFormer {entry.arch}, ImageNet-1K top-1 {dict(entry.paper)['top1']} "
                    f"at {size} px (the authors' release, model zoo entry {entry.name})")


def _classifier_tags() -> Dict[str, List[ZooWeights]]:
    """timm model -> its zoo entries, the 224-px plain (or only) one first (timm's default
    tag is the first)."""
    models: Dict[str, List[ZooWeights]] = {}
    for entry in ENTRIES:
        if entry.task == 'cls':
            models.setdefault(timm_name(entry)[0], []).append(entry)
    for entries in models.values():
        entries.sort(key=lambda e: (e.input_size != 224, '_tl_' in e.name))
    return models


def _features(model: UniFormer, out_indices) -> FeatureInfo:
    info = [dict(num_chs=c, reduction=4 * 2 ** i, module=f'norm{i + 1}', index=i)
            for i, c in enumerate(model.embed_dims)]
    return FeatureInfo(info, tuple(out_indices))


def _dense_backbone(timm_name_: str, variant: str, pretrained: bool, weights: Optional[str],
                    out_indices, overlay: Optional[dict], **kwargs) -> UniFormer:
    model = UniFormer(variant=variant, out_indices=tuple(out_indices), **kwargs)
    model.init_weights()
    if pretrained:  # the zoo's ImageNet file (or the overlay's file)
        overlay = overlay if isinstance(overlay, dict) else {}
        load_backbone_checkpoint(model, str(overlay.get('file') or weights))
    # checkpoint_path=FILE: timm calls model.load_state_dict(FILE's weights) without a
    # filter; this hook is the timm-style filter (authors' ImageNet files load).
    model.register_load_state_dict_pre_hook(timm_load_state_dict_pre_hook)
    model.feature_info = _features(model, out_indices)
    return model


def _classifier_factory(name: str, entries: List[ZooWeights]):
    def factory(pretrained: bool = False, features_only: bool = False,
                out_indices=(0, 1, 2, 3), pretrained_cfg=None, pretrained_cfg_overlay=None,
                cache_dir=None, num_classes: int = 1000, **kwargs):
        cfg = resolve_pretrained_cfg(name, pretrained_cfg=pretrained_cfg,
                                     pretrained_cfg_overlay=pretrained_cfg_overlay)
        entry = get_entry(f'{name}_{cfg.tag}' if cfg.tag else entries[0].name)
        if features_only:
            return _dense_backbone(name, entry.variant, pretrained, f'zoo://{entry.name}',
                                   out_indices, pretrained_cfg_overlay, **kwargs)
        model = UniFormerClassifier(arch=entry.arch, num_classes=num_classes, **kwargs)
        model.init_weights()
        if pretrained:
            overlay = pretrained_cfg_overlay if isinstance(pretrained_cfg_overlay, dict) else {}
            load_backbone_checkpoint(model, str(overlay.get('file') or f'zoo://{entry.name}'),
                                     replace_head=num_classes != 1000)
        model.pretrained_cfg = model.default_cfg = dict(cfg.to_dict(), num_classes=num_classes)
        return model

    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = __name__
    factory.__doc__ = (f'UniFormer ImageNet classifier {name!r}; tags: '
                       f'{", ".join(timm_name(e)[1] for e in entries)}.')
    return factory


def _backbone_factory(name: str, variant: str):
    def factory(pretrained: bool = False, features_only: bool = False,
                out_indices=(0, 1, 2, 3), pretrained_cfg=None, pretrained_cfg_overlay=None,
                cache_dir=None, **kwargs):
        if not features_only:
            raise ValueError(
                f"timm model {name!r} from uniformer_dense is a dense-prediction backbone "
                f"without a classifier: call timm.create_model({name!r}, features_only=True"
                f"[, pretrained=True for the model zoo's ImageNet-1K weights]); the "
                f"classifiers are {sorted(_classifier_tags())} (tags: timm.list_pretrained("
                f"'uniformer*')).")
        return _dense_backbone(name, variant, pretrained, f'zoo://{imagenet_entry(variant).name}',
                               out_indices, pretrained_cfg_overlay, **kwargs)

    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = __name__
    factory.__doc__ = f'UniFormer backbone {variant!r} (multi-scale features only).'
    return factory


def register_timm() -> List[str]:
    """Register the classifiers (with their pretrained tags) and the backbone variants as
    timm models (idempotent); returns the model names."""
    classifiers = _classifier_tags()
    for name, entries in classifiers.items():
        default_cfgs[name] = DefaultCfg(
            tags=[timm_name(e)[1] for e in entries],
            cfgs={timm_name(e)[1]: pretrained_cfg_of(e) for e in entries})
        if not getattr(model_entrypoint(name) if is_model(name) else None,
                       'uniformer_classifier', False):
            factory = _classifier_factory(name, entries)
            factory.uniformer_classifier = True
            register_model(factory)
    backbones = {v: v for v in IMAGE_VARIANTS if v not in classifiers}
    backbones.update({a: v for a, v in VARIANT_ALIASES.items() if a not in classifiers})
    for name, variant in backbones.items():
        if not is_model(name):
            register_model(_backbone_factory(name, variant))
    return sorted(classifiers) + sorted(backbones)
