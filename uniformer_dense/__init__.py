"""UniFormer as a backbone for MMDetection, MMSegmentation and MMPose.

Importing the package registers the backbone everywhere it can be built
(see :mod:`uniformer_dense.registry`), teaches MMEngine's checkpoint loader the ``zoo://``
scheme, allow-lists the benign types of MMEngine's own checkpoints for safe loading,
registers the ``atomic_local`` file backend that checkpoints are saved through, and registers
the safeguards configs name (``NonFiniteLossHook``, ``RandomStateHook``, MMSegmentation's
``CheckSegLabels``, MMAction2's checking video decoders), so the toolboxes' own tools find
them through ``custom_imports``.
"""
import importlib.util

from . import hooks  # noqa: F401  (registers the safeguard hooks in MMEngine's root registry)

from .checkpoint import allow_mmengine_checkpoint_types, register_atomic_backend
from .models import UniFormer, create_backbone
from .registry import register_all
from .zoo import register_scheme

__version__ = '0.1.0'
__all__ = ['UniFormer', 'create_backbone', '__version__']

register_all()
register_scheme()
allow_mmengine_checkpoint_types()
register_atomic_backend()
if importlib.util.find_spec('mmpose') is not None:
    from .compat import register_pose_visualizer
    register_pose_visualizer()
if importlib.util.find_spec('mmseg') is not None:
    from .datacheck import register_transforms
    register_transforms()
if importlib.util.find_spec('mmaction') is not None:
    from .videocheck import register_video_transforms
    register_video_transforms()
