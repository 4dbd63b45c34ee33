"""UniFormer as a backbone for MMDetection, MMSegmentation and MMPose.

Importing the package registers the backbone everywhere it can be built
(see :mod:`uniformer_dense.registry`), teaches MMEngine's checkpoint loader the ``zoo://``
scheme, allow-lists the benign types of MMEngine's own checkpoints for safe loading, and
registers the ``atomic_local`` file backend that checkpoints are saved through.
"""
import importlib.util

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
