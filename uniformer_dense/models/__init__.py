from .uniformer import ARCH_SETTINGS, UniFormer, create_backbone

__all__ = ['ARCH_SETTINGS', 'UniFormer', 'create_backbone']
