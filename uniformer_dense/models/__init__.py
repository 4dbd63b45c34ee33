from .classifier import CLASSIFIERS, UniFormerClassifier, create_classifier
from .uniformer import (ARCH_SETTINGS, IMAGE_VARIANTS, VIDEO_VARIANTS, UniFormer,
                        UniFormerVideo, create_backbone)

__all__ = ['ARCH_SETTINGS', 'CLASSIFIERS', 'IMAGE_VARIANTS', 'VIDEO_VARIANTS', 'UniFormer',
           'UniFormerClassifier', 'UniFormerVideo', 'create_backbone', 'create_classifier']
