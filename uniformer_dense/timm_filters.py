"""timm's way into a checkpoint: the filter that the timm models of :mod:`.registry` load with.

timm hands a model the weights of a file through a filter function (``pretrained_filter_fn``)
or, for ``checkpoint_path=FILE``, through plain ``load_state_dict``; both must accept the
authors' ImageNet files, which carry a classifier and lack the dense-prediction output norms.
"""
from __future__ import annotations

import torch

from .checkpoint import (OUTPUT_NORM_KEYS, drop_classifier_keys, extract_state_dict,
                         strip_module_prefix)


def timm_checkpoint_filter_fn(state_dict: dict, model: torch.nn.Module) -> dict:
    """timm-style filter: a state dict as the backbone ``model`` loads it.

    The authors' ImageNet files (weights under ``model``, with the classifier ``head.*`` and
    the final ``norm.*``, without the per-stage output norms ``norm1..4``) become the
    backbone's keys: classifier keys the model lacks are dropped and, for such a
    classification file, the missing output norms keep the model's own initial values.
    Anything else that does not fit is left for ``load_state_dict`` to report."""
    if any(k in state_dict for k in ('state_dict', 'model', 'model_state')):
        state_dict = extract_state_dict(state_dict)
    own = model.state_dict()
    out, dropped = drop_classifier_keys(strip_module_prefix(state_dict), own)
    if dropped:  # a classification file: the dense-prediction output norms start fresh
        for key, value in own.items():
            if OUTPUT_NORM_KEYS.match(key) and key not in out:
                out[key] = value
    return out


def timm_load_state_dict_pre_hook(module, state_dict, prefix, *args):
    """``module.register_load_state_dict_pre_hook`` form of
    :func:`timm_checkpoint_filter_fn`: ``timm.create_model(..., checkpoint_path=FILE)``
    calls ``load_state_dict`` with no filter of its own."""
    inner = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not inner:
        return
    filtered = timm_checkpoint_filter_fn(inner, module)
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]
    state_dict.update({prefix + k: v for k, v in filtered.items()})
