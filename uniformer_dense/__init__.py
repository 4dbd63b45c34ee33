"""UniFormer as a backbone for MMDetection, MMSegmentation and MMPose.

Importing the package registers the backbone everywhere it can be built
(see :mod:`uniformer_dense.registry`).
"""
from .models import UniFormer, create_backbone
from .registry import register_all

__version__ = '0.1.0'
__all__ = ['UniFormer', 'create_backbone', '__version__']

register_all()
