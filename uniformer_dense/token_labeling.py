"""Token labeling (LV-ViT's training method, as the UniFormer token-labeling models were trained).

The geometry and MixToken of token labeling; the label maps it reads are LV-ViT's:

- **Dense label maps** in LV-ViT's released format: one file per training image,
  ``LABEL_ROOT/<class folder>/<image stem>.pt``, a ``(2, k, h, w)`` tensor (float16 as
  released) of a teacher's top-k class scores ``[0]`` and their class indices ``[1]`` on the
  teacher's grid (NFNet-F6 at 576 px: 18 x 18, top 5); read and checked by
  :mod:`uniformer_dense.datacheck.token_labels` (``read_label_map``).
- **Targets of a training crop**: the pipeline keeps, next to the image, which part of the
  original image the crop shows (:class:`LabelMapView`: a box in the map's normalised
  coordinates and the flips since); :func:`crop_targets` then samples the map under that box
  on the classifier's token grid (RoI-align of the top-k scores scattered over all classes),
  a softmax per token, and once over the whole box for the class head. This is the authors'
  computation (``tlt/data/mixup.py``: ``get_labelmaps_with_coords``) with two differences,
  both said in docs/classification.md: their crop box reaches ``roi_align`` as ``(y1, x1, y2, x2)`` where it
  reads ``(x1, y1, x2, y2)`` (a transposed crop; here the box is the image's), and their
  label smoothing ``p * on + off`` sums to ``1 + smoothing / classes`` (here the loss smooths,
  MMPretrain's ``LabelSmoothLoss``, which sums to one).
- **MixToken**: the token-level CutMix of the authors' model, in the patch-embedding space:
  :func:`mix_token_box` draws a box on the stem's grid, :func:`mix_in_box` swaps it with the
  batch's reverse, :func:`stage_box` maps the box to the last stage's grid, where the
  per-token outputs are swapped back (:func:`mix_in_box` again) so that each token's output
  meets its own image's target, and :func:`mix_targets` mixes the class-head target by the
  swapped share ``lam``.

Only torch, torchvision and numpy: the classifier (MixToken) and MMPretrain's transforms
and loss (:mod:`uniformer_dense.cls_transforms`, :mod:`uniformer_dense.cls_head`) use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F


Box = Tuple[int, int, int, int]  # (y1, x1, y2, x2) on a grid, end-exclusive

#: Output stride of the classifiers' last stage: the token grid of an H x W crop is
#: H/32 x W/32 (224 px: 7 x 7, the authors' --token-label-size 7; 384 px: 12).
TOKEN_STRIDE = 32


@dataclass
class LabelMapView:
    """Which part of the original image a transformed crop shows, in the label map's
    normalised coordinates: ``box = (x1, y1, x2, y2)`` in [0, 1] and whether the crop was
    flipped since (horizontal, vertical). A crop of the current view composes boxes; a flip
    toggles its flag (the box stays: a flipped crop shows the same part of the original)."""
    box: Tuple[float, float, float, float] = (0., 0., 1., 1.)
    hflip: bool = False
    vflip: bool = False

    def crop(self, x1: float, y1: float, x2: float, y2: float) -> 'LabelMapView':
        """The view after cropping the current image to the normalised box (x1, y1, x2, y2)."""
        bx1, by1, bx2, by2 = self.box
        w, h = bx2 - bx1, by2 - by1
        if self.hflip:  # the current image's x runs right to left over the original
            x1, x2 = 1 - x2, 1 - x1
        if self.vflip:
            y1, y2 = 1 - y2, 1 - y1
        return LabelMapView((bx1 + x1 * w, by1 + y1 * h, bx1 + x2 * w, by1 + y2 * h),
                            self.hflip, self.vflip)

    def flip(self, direction: str) -> 'LabelMapView':
        if direction not in ('horizontal', 'vertical', 'diagonal'):
            raise ValueError(f'flip direction {direction!r}: horizontal, vertical or diagonal')
        h = self.hflip ^ (direction in ('horizontal', 'diagonal'))
        v = self.vflip ^ (direction in ('vertical', 'diagonal'))
        return LabelMapView(self.box, h, v)


def dense_scores(label_map: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(num_classes, h, w)``: the top-k scores scattered over all classes, 0 elsewhere."""
    values, indices = label_map[0], label_map[1].long()
    dense = torch.zeros((num_classes,) + tuple(values.shape[1:]), dtype=torch.float32)
    return dense.scatter_(0, indices, values.float())


def crop_targets(label_map: torch.Tensor, view: LabelMapView, grid: Tuple[int, int],
                 num_classes: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(token_scores (gh * gw, C), crop_score (C,))`` of a crop: the map's scores under the
    view's box, averaged by RoI-align over each token's cell (and once over the whole box),
    flipped as the crop was, softmax over classes. Rows are in the order of the classifier's
    tokens (row-major over the grid)."""
    from torchvision.ops import roi_align  # torchvision is MMPretrain's dependency
    dense = dense_scores(label_map, num_classes)[None]
    h, w = dense.shape[-2:]
    x1, y1, x2, y2 = view.box
    boxes = torch.tensor([[0., x1 * w, y1 * h, x2 * w, y2 * h]])
    tokens = roi_align(dense, boxes, output_size=tuple(grid), aligned=True)[0]
    whole = roi_align(dense, boxes, output_size=(1, 1), aligned=True)[0, :, 0, 0]
    if view.hflip:
        tokens = tokens.flip(-1)
    if view.vflip:
        tokens = tokens.flip(-2)
    return tokens.flatten(1).t().softmax(-1), whole.softmax(-1)


def token_grid(height: int, width: int, stride: int = TOKEN_STRIDE) -> Tuple[int, int]:
    """The last stage's token grid of an ``height x width`` input (floor division: the patch
    embeddings' kernels equal their strides, without padding)."""
    return height // stride, width // stride


def mix_token_box(grid: Sequence[int], lam: float, rng=np.random) -> Box:
    """The authors' MixToken box (``rand_bbox`` of their ``tlt/models/uniformer.py``) on a
    ``(h, w)`` grid: sides ``int(h * sqrt(1 - lam))`` and ``int(w * sqrt(1 - lam))`` around a
    uniform centre, clipped to the grid."""
    h, w = grid
    cut = np.sqrt(1. - lam)
    cut_h, cut_w = int(h * cut), int(w * cut)
    cy, cx = rng.randint(h), rng.randint(w)
    return (int(np.clip(cy - cut_h // 2, 0, h)), int(np.clip(cx - cut_w // 2, 0, w)),
            int(np.clip(cy + cut_h // 2, 0, h)), int(np.clip(cx + cut_w // 2, 0, w)))


def mix_in_box(x: torch.Tensor, box: Box) -> torch.Tensor:
    """``x`` ``(B, C, H, W)`` with the box's positions taken from the batch in reverse order
    (sample ``b`` gets sample ``B - 1 - b``'s there). Applied twice it is the identity."""
    y1, x1, y2, x2 = box
    out = x.clone()
    out[:, :, y1:y2, x1:x2] = x.flip(0)[:, :, y1:y2, x1:x2]
    return out


def stage_box(box: Box, grid: Sequence[int], stage_grid: Sequence[int]) -> Box:
    """The box on the last stage's grid (the authors' ``// 8`` from the stem's stride 4 to
    stride 32, written for any grid ratio)."""
    (h, w), (sh, sw) = grid, stage_grid
    y1, x1, y2, x2 = box
    return y1 * sh // h, x1 * sw // w, y2 * sh // h, x2 * sw // w


def mixed_share(box: Box, stage_grid: Sequence[int]) -> float:
    """``lam``: the share of the last stage's tokens outside the box (the authors' loss)."""
    y1, x1, y2, x2 = box
    return 1. - (y2 - y1) * (x2 - x1) / float(stage_grid[0] * stage_grid[1])


def mix_targets(target: torch.Tensor, lam: float) -> torch.Tensor:
    """The class-head target of a MixToken batch: ``lam`` of each sample's own and
    ``1 - lam`` of the batch-reversed sample's (rows of probabilities stay probabilities)."""
    return lam * target + (1. - lam) * target.flip(0)


def soft_targets(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One-hot rows of integer labels (or the rows themselves if already ``(B, C)``)."""
    if labels.dim() == 2 and labels.shape[1] == num_classes:
        return labels.float()
    return F.one_hot(labels.long().view(-1), num_classes).float()
