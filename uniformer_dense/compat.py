"""Fixes for toolbox code that breaks on the pinned stack (numpy 2.4).

MMPose 1.3.2's visualiser passes ``radius=np.array([r])`` to ``int()``, which numpy >= 2.3
rejects ("only 0-dimensional arrays can be converted to Python scalars"), so drawing
keypoints fails. ``PoseLocalVisualizerNp2`` is MMPose's visualiser with scalar radii; our
pose configs name it. Registered on import of :mod:`uniformer_dense` when MMPose is present.
"""
import numpy as np


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
