from .uniformer import (ARCH_SETTINGS, IMAGE_VARIANTS, VIDEO_VARIANTS, UniFormer,
                        UniFormerVideo, create_backbone)

__all__ = ['ARCH_SETTINGS', 'IMAGE_VARIANTS', 'VIDEO_VARIANTS', 'UniFormer', 'UniFormerVideo',
           'create_backbone']
