"""Fixes for toolbox code that breaks on the pinned stack (numpy 2.4, MMAction2 1.2.0).

MMPose 1.3.2's visualiser passes ``radius=np.array([r])`` to ``int()``, which numpy >= 2.3
rejects ("only 0-dimensional arrays can be converted to Python scalars"), so drawing
keypoints fails. ``PoseLocalVisualizerNp2`` is MMPose's visualiser with scalar radii; our
pose configs name it. Registered on import of :mod:`uniformer_dense` when MMPose is present.

MMAction2 1.2.0's wheel and sdist lack the package ``mmaction/models/localizers/drn/`` that
``mmaction/models/localizers/__init__.py`` imports (upstream issue #2714), so ``import
mmaction.models`` (and with it every MMAction2 config) fails with ModuleNotFoundError.
:func:`patch_mmaction_missing_drn` puts a stand-in for exactly that missing module in
``sys.modules`` (only when the real one is absent); building the DRN localiser, which it
stands for, raises an error that says so. Called on import of :mod:`uniformer_dense`.
"""
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

MISSING_DRN = 'mmaction.models.localizers.drn'


def register_pose_visualizer():
    from mmpose.registry import VISUALIZERS
    from mmpose.visualization import PoseLocalVisualizer

    if 'PoseLocalVisualizerNp2' in VISUALIZERS.module_dict:
        return

    @VISUALIZERS.register_module()
    class PoseLocalVisualizerNp2(PoseLocalVisualizer):
        """MMPose's PoseLocalVisualizer, with circle radii passed as Python scalars."""

        def draw_circles(self, center, radius, face_colors='none', alpha=1.0, **kwargs):
            if self.backend == 'opencv' and isinstance(radius, np.ndarray) and radius.size == 1:
                radius = radius.item()
            return super().draw_circles(center, radius, face_colors=face_colors, alpha=alpha,
                                        **kwargs)


def _drn_missing() -> bool:
    # Located on disk: find_spec of a submodule would import mmaction.models, which fails.
    spec = importlib.util.find_spec('mmaction')
    if spec is None:
        return False
    return not any((Path(p) / 'models' / 'localizers' / 'drn' / 'drn.py').is_file()
                   for p in (spec.submodule_search_locations or []))


class DRNUnavailable:
    """Stand-in for MMAction2's DRN temporal localiser, which MMAction2 1.2.0 does not ship."""

    def __init__(self, *args, **kwargs):
        raise ModuleNotFoundError(
            f'MMAction2 1.2.0 as published lacks {MISSING_DRN} (upstream issue #2714), so '
            f'the DRN localiser cannot be built. Install MMAction2 from its git repository if '
            f'you need DRN; UniFormer recognisers do not use it.')


def patch_mmaction_missing_drn() -> bool:
    """Make ``import mmaction.models`` work on MMAction2 1.2.0; returns whether it patched.

    Only the missing module is provided (``DRN`` = :class:`DRNUnavailable`); everything
    else of MMAction2 is its own. A later MMAction2 that ships the module is left alone.
    """
    if MISSING_DRN in sys.modules or not _drn_missing():
        return False
    package = types.ModuleType(MISSING_DRN)
    package.__path__ = []
    module = types.ModuleType(MISSING_DRN + '.drn')
    module.DRN = DRNUnavailable
    package.drn = module
    sys.modules[MISSING_DRN] = package
    sys.modules[MISSING_DRN + '.drn'] = module
    from mmaction.registry import MODELS  # a config naming DRN gets the reason, not a KeyError
    MODELS.register_module(name='DRN', module=DRNUnavailable, force=True)
    return True
