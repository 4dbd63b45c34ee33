"""UniFormer as a backbone for MMDetection, MMSegmentation and MMPose.

Importing the package registers the backbone everywhere it can be built, teaches MMEngine's
checkpoint loader the ``zoo://`` scheme, allow-lists the benign types of MMEngine's own
checkpoints for safe loading, registers the ``atomic_local`` file backend that checkpoints
are saved through, and registers the safeguards configs name (``NonFiniteLossHook``,
``RandomStateHook``, MMSegmentation's ``CheckSegLabels``, MMAction2's checking video
decoders), so the toolboxes' own tools find them through ``custom_imports``. All of that is
:func:`uniformer_dense.registry.register_all`, which the package's own modules call where
they build from the registries.
"""
from .models import UniFormer, create_backbone
from .registry import register_all

__version__ = '0.1.0'
__all__ = ['UniFormer', 'create_backbone', '__version__']

register_all()
