"""UniFormer as a backbone for MMDetection, MMSegmentation and MMPose.

Importing the package registers the backbone everywhere it can be built
(see :mod:`uniformer_dense.registry`), teaches MMEngine's checkpoint loader the ``zoo://``
scheme, and allow-lists the benign types of MMEngine's own checkpoints for safe loading.
"""
import importlib.util

from .checkpoint import allow_mmengine_checkpoint_types
from .models import UniFormer, create_backbone
from .registry import register_all
from .zoo import register_scheme

__version__ = '0.1.0'
__all__ = ['UniFormer', 'create_backbone', '__version__']

register_all()
register_scheme()
allow_mmengine_checkpoint_types()
if importlib.util.find_spec('mmpose') is not None:
    from .compat import register_pose_visualizer
    register_pose_visualizer()
