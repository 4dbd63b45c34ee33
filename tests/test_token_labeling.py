"""Token labeling: dense label maps cropped and flipped with the image (geometry), MixToken
and its targets, the label-map checks before training, and a short toy training."""
import random

import cv2
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from reference import mmpretrain_pipeline
from tools_cli import REPO, run_tool
from uniformer_dense.cls_head import UniFormerClsHead
from uniformer_dense.datacheck import DatasetError, check_datasets
from uniformer_dense.harness import load_config
from uniformer_dense.models import create_classifier
from uniformer_dense.token_labeling import (LabelMapView, mix_in_box, mix_token_box,
                                            mixed_share, stage_box)
from uniformer_dense.toy_data import make_class_folders

TOY_TL = REPO / 'configs' / 'toy' / 'uniformer_tl_cls_toy.py'
COLOURS = np.array([[230, 40, 40], [40, 230, 40], [40, 40, 230], [230, 230, 40]])


def _region_image(size=320, grid=20):
    """An image of four colour regions (class = (x > 0.3 W) + 2 (y > 0.62 H): no symmetry
    between x and y or under a flip), and a teacher's map of it in LV-ViT's format: on each
    of grid x grid cells, score 10 x the share of the cell each class covers."""
    y, x = np.mgrid[0:size, 0:size]
    classes = (x > 0.3 * size).astype(int) + 2 * (y > 0.62 * size).astype(int)
    cell = size // grid
    share = np.stack([(classes == c).reshape(grid, cell, grid, cell).mean((1, 3))
                      for c in range(4)])
    indices = np.broadcast_to(np.arange(4.)[:, None, None], share.shape)
    label_map = torch.from_numpy(np.stack([10 * share, indices])).half()
    return COLOURS[classes].astype(np.uint8), label_map


def _class_shares(rgb, grid):
    """Each token cell's share of every class, read from the colours of a transformed image."""
    pixels = ((rgb[:, :, None, :].astype(int) - COLOURS[None, None]) ** 2).sum(-1).argmin(-1)
    h, w = pixels.shape
    return np.stack([(pixels == c).reshape(grid, h // grid, grid, w // grid).mean((1, 3))
                     for c in range(4)]).reshape(4, -1).T


def test_label_map_crop_equals_the_map_of_the_cropped_image(tmp_path):
    """RandomResizedCrop + horizontal / vertical flips on image and map, 60 draws: every token
    whose cell of the OUTPUT image is >= 90% one class gets that class as its target's top
    score, and the crop target's top class is the output image's majority class. (A crop box
    read with x and y swapped, as the authors' roi_align call does, gets ~18% of the tokens
    wrong here; ignoring flips ~36%.)"""
    image, label_map = _region_image()
    (tmp_path / 'img' / 'a').mkdir(parents=True)
    (tmp_path / 'maps' / 'a').mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'img' / 'a' / 'x.png'), image[:, :, ::-1])
    torch.save(label_map, tmp_path / 'maps' / 'a' / 'x.pt')
    pipeline = mmpretrain_pipeline([
        dict(type='LoadImageFromFile'),
        dict(type='LoadTokenLabel', label_root=str(tmp_path / 'maps'), num_classes=4),
        dict(type='TokenLabelRandomResizedCrop', scale=256, crop_ratio_range=(0.2, 1.0),
             backend='pillow', interpolation='bicubic'),
        dict(type='TokenLabelRandomFlip', prob=[0.3, 0.3],
             direction=['horizontal', 'vertical']),
        dict(type='TokenLabelTarget'),
    ])
    tokens_checked = crops_checked = flips = 0
    for seed in range(60):
        np.random.seed(seed)
        random.seed(seed)
        out = pipeline(dict(img_path=str(tmp_path / 'img' / 'a' / 'x.png')))
        flips += out['flip']
        target = out['gt_token_score'].numpy()
        assert target.shape == (64, 4)  # 256 px / 32: 8 x 8 tokens
        np.testing.assert_allclose(target.sum(1), 1, atol=1e-5)
        shares = _class_shares(out['img'][:, :, ::-1], 8)
        pure = shares.max(1) >= 0.9
        np.testing.assert_array_equal(target.argmax(1)[pure], shares.argmax(1)[pure])
        tokens_checked += pure.sum()
        whole = np.sort(shares.mean(0))
        if whole[-1] - whole[-2] > 0.1:
            assert out['gt_crop_score'].argmax() == shares.mean(0).argmax(), seed
            crops_checked += 1
    assert tokens_checked > 2000 and crops_checked > 30 and flips > 20


def test_view_composition_of_crops_and_flips():
    """A crop of a flipped crop is the mirrored sub-box of the original."""
    view = LabelMapView().crop(0.2, 0.1, 0.6, 0.5).flip('horizontal')
    assert view.box == pytest.approx((0.2, 0.1, 0.6, 0.5)) and view.hflip
    inner = view.crop(0.0, 0.0, 0.25, 1.0)  # the left quarter of the flipped crop ...
    assert inner.box == pytest.approx((0.5, 0.1, 0.6, 0.5))  # ... is the original's right
    assert LabelMapView().flip('diagonal').flip('vertical') == LabelMapView(hflip=True)


def _samples(tokens, crop, labels):
    out = []
    for t, c, y in zip(tokens, crop, labels):
        s = DataSample().set_gt_label(int(y))
        s.set_field(t, 'gt_token_score')
        s.set_field(c, 'gt_crop_score')
        out.append(s)
    return out


def test_mix_token_targets_sum_to_one_and_mix_by_the_swapped_share():
    torch.manual_seed(0)
    B, N, C = 4, 49, 10
    tokens = torch.rand(B, N, C).softmax(-1)
    crop = torch.rand(B, C).softmax(-1)
    samples = _samples(tokens, crop, range(B))
    aux = torch.zeros(B, N, C)
    box = stage_box((8, 16, 40, 48), (56, 56), (7, 7))
    assert box == (1, 2, 5, 6)
    lam = mixed_share(box, (7, 7))
    assert lam == pytest.approx(1 - 16 / 49)
    cls_target, token_target = UniFormerClsHead._token_label_targets(
        aux, torch.arange(B), samples, lam)
    torch.testing.assert_close(cls_target.sum(1), torch.ones(B))
    torch.testing.assert_close(token_target.sum(1), torch.ones(B * N))
    torch.testing.assert_close(cls_target, lam * crop + (1 - lam) * crop.flip(0))
    torch.testing.assert_close(token_target, tokens.flatten(0, 1))  # outputs were swapped back
    # without maps: the image's label (one-hot), mixed the same way
    plain = [DataSample().set_gt_label(i) for i in range(B)]
    cls_target, token_target = UniFormerClsHead._token_label_targets(
        aux, torch.arange(B), plain, lam)
    torch.testing.assert_close(cls_target.sum(1), torch.ones(B))
    assert cls_target[0, 0] == pytest.approx(lam) and cls_target[0, 3] == pytest.approx(1 - lam)
    assert token_target.tolist() == torch.arange(B).repeat_interleave(N).tolist()
    mixup = _samples(tokens, crop, range(B))
    for sample in mixup:
        sample.set_gt_score(torch.full((C,), 1. / C))
    with pytest.raises(ValueError, match='Mixup / CutMix .* with token labels'):
        UniFormerClsHead._token_label_targets(aux, torch.arange(B), mixup, 1.)
    with pytest.raises(ValueError, match=r'token labels of shape \(49, 10\).*16 tokens and 10 classes'):
        UniFormerClsHead._token_label_targets(
            torch.zeros(B, 16, C), torch.arange(B), samples, 1.)


def test_mix_token_box_and_swap():
    rng = np.random.RandomState(0)
    shares = []
    for _ in range(200):
        lam = rng.beta(1., 1.)
        y1, x1, y2, x2 = mix_token_box((56, 56), lam, rng)
        assert 0 <= y1 <= y2 <= 56 and 0 <= x1 <= x2 <= 56
        shares.append(1 - (y2 - y1) * (x2 - x1) / 56 ** 2)
    assert 0.55 < np.mean(shares) < 0.8  # 1 - E[cut^2] = 0.5 before clipping at the border
    x = torch.arange(2 * 3 * 4 * 4.).view(2, 3, 4, 4)
    mixed = mix_in_box(x, (1, 0, 3, 2))
    assert torch.equal(mixed[0, :, 1:3, 0:2], x[1, :, 1:3, 0:2])
    assert torch.equal(mixed[0, :, 0], x[0, :, 0]) and torch.equal(mix_in_box(mixed, (1, 0, 3, 2)), x)


def test_mix_token_in_the_classifier():
    """Training with mix_token returns (logits, per-token logits, lam); a batch mixed with
    itself (two equal images) gives the unmixed outputs; eval mode never mixes."""
    torch.manual_seed(0)
    model = create_classifier('uniformer_small_tl', num_classes=5, mix_token=True,
                              depths=(1, 1, 1, 1), drop_path_rate=0.)
    model.train()
    for m in model.modules():  # batch statistics would tie the two images together
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.eval()
    a = torch.randn(1, 3, 128, 128)
    np.random.seed(3)
    logits, aux, lam = model(torch.cat([a, a]))
    assert logits.shape == (2, 5) and aux.shape == (2, 16, 5) and 0. <= lam <= 1.
    model.mix_token = False
    ref_logits, ref_aux = model(torch.cat([a, a]))
    torch.testing.assert_close(logits, ref_logits)
    torch.testing.assert_close(aux, ref_aux)
    model.mix_token = True
    np.random.seed(3)
    mixed_logits, _, lam2 = model(torch.cat([a, torch.randn(1, 3, 128, 128)]))
    assert lam2 == lam and lam < 1 and not torch.allclose(mixed_logits[0], logits[0])
    model.eval()
    assert model(a).shape == (1, 5)
    with pytest.raises(ValueError, match='mix_token=True: MixToken trains the per-token head'):
        create_classifier('uniformer_small_in1k', mix_token=True)


def test_mix_token_swaps_the_box_back_token_by_token(monkeypatch):
    """With stand-in stages that carry each sample's index through the stem's box (and pool
    it onto the stage-4 grid), MixToken's class input shows the mix and its per-token output
    is every image's own again, for a box that is not square (an H/W mix-up would show)."""
    import torch.nn.functional as F

    from uniformer_dense.models import classifier as classifier_module
    model = create_classifier('uniformer_small_tl', num_classes=5, mix_token=True,
                              depths=(1, 1, 1, 1))
    model.train()

    def stages(x, after_stem=None):
        ids = torch.arange(x.shape[0], dtype=torch.float32).view(-1, 1, 1, 1)
        return (F.avg_pool2d(after_stem(ids.expand(-1, 1, 56, 56).clone()), 8),), None

    monkeypatch.setattr(model, 'forward_stages', stages)
    monkeypatch.setattr(model, 'forward_head', lambda feat, cls_token=None: (
        feat.flatten(2).transpose(1, 2), feat.flatten(2).transpose(1, 2)))
    monkeypatch.setattr(classifier_module, 'mix_token_box', lambda grid, lam: (8, 16, 24, 48))
    mixed, own, lam = model(torch.zeros(4, 3, 224, 224))
    assert lam == pytest.approx(1 - 2 * 4 / 49)  # stage-4 box: rows 1-2, columns 2-5
    grid = mixed[:, :, 0].view(4, 7, 7)
    for b in range(4):
        inside = torch.zeros(7, 7, dtype=torch.bool)
        inside[1:3, 2:6] = True
        assert (grid[b][inside] == 3 - b).all() and (grid[b][~inside] == b).all()
        assert (own[b] == b).all()


def _toy_cfg(root):
    cfg = load_config(str(TOY_TL))
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.train_dataloader.dataset.pipeline[1].label_root = str(root / 'labels')
    cfg.model.backbone.num_classes = 3
    return cfg


def test_a_missing_or_malformed_label_map_names_the_image_before_training(tmp_path):
    root = tmp_path / 'cls'
    make_class_folders(root, n_train=6, n_val=3)
    cfg = _toy_cfg(root)
    check_datasets(cfg, ('train',))
    maps = sorted((root / 'labels').rglob('*.pt'))
    good = torch.load(maps[0])
    torch.save(good[:, :, :4], maps[1])  # not square is fine: the view scales each axis
    check_datasets(cfg, ('train',))
    maps[0].unlink()
    image = f'{maps[0].parent.name}/{maps[0].stem}.png'
    with pytest.raises(DatasetError, match=f'1 of 6 training images have no label map.*{image}'):
        check_datasets(cfg, ('train',))
    torch.save(good, maps[0])
    torch.save(good[0], maps[2])  # (k, h, w): the scores without the indices
    with pytest.raises(DatasetError, match=f'{maps[2].name}.*shape \\(3, 8, 8\\).*\\(2, k, h, w\\)'):
        check_datasets(cfg, ('train',))
    bad = good.clone()
    bad[1, 0, 0, 0] = 7
    torch.save(bad, maps[2])
    with pytest.raises(DatasetError, match='class index 7 but the classifier has 3 classes'):
        check_datasets(cfg, ('train',))
    cfg.train_dataloader.dataset.pipeline[1].label_root = str(tmp_path / 'nowhere')
    with pytest.raises(DatasetError, match='LoadTokenLabel.label_root.*does not exist'):
        check_datasets(cfg, ('train',))


@pytest.mark.parametrize('change, message', [
    (lambda p: p.pop(4), 'LoadTokenLabel without a TokenLabelTarget'),
    (lambda p: p[5].update(algorithm_keys=()), 'targets are not packed'),
    (lambda p: p[3].update(type='RandomFlip'), r"\['RandomFlip'\] between LoadTokenLabel"),
])
def test_a_token_labeling_pipeline_that_lacks_a_step_is_refused(tmp_path, change, message):
    """Without these the maps would be read and then silently not trained on (or trained on
    for the wrong part of the image)."""
    root = tmp_path / 'cls'
    make_class_folders(root, n_train=3, n_val=3)
    cfg = _toy_cfg(root)
    change(cfg.train_dataloader.dataset.pipeline)
    with pytest.raises(DatasetError, match=message):
        check_datasets(cfg, ('train',))


def test_toy_pipeline_targets_follow_the_shape(tmp_path):
    """The toy maps put the image's class on the shape and nothing on the background: the
    crop's tokens on the shape lean to the class, background tokens are near uniform."""
    root = tmp_path / 'cls'
    make_class_folders(root, n_train=6, n_val=3)
    cfg = _toy_cfg(root)
    pipeline = mmpretrain_pipeline(cfg.train_dataloader.dataset.pipeline)
    np.random.seed(0)
    packed = pipeline(dict(img_path=str(sorted((root / 'train' / 'triangle').iterdir())[0]),
                           gt_label=2))
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 128, 128)
    tokens = sample.gt_token_score
    assert tokens.shape == (16, 3) and sample.gt_crop_score.shape == (3,)
    assert (tokens.argmax(1) == 2).any() and tokens.max() > 0.9
    assert (tokens.max(1).values < 0.4).any()  # background: 1/3 each
    assert sample.gt_crop_score.argmax() == 2


@pytest.mark.slow
def test_toy_token_labeling_trains(tmp_path):
    """tools/train.py on the toy token-labeling config (maps + MixToken), 2 epochs: both
    losses are logged and the per-token loss falls."""
    make_class_folders(tmp_path / 'data' / 'toy' / 'cls')
    proc = run_tool('train.py', TOY_TL, '--work-dir', tmp_path / 'work', '--cfg-options',
                    'train_cfg.max_epochs=2', 'train_cfg.val_interval=2', cwd=tmp_path)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines()
             if 'Epoch(train)' in line and 'loss_aux' in line]
    aux = [float(line.split('loss_aux: ')[1].split()[0]) for line in lines]
    assert len(aux) == 6 and all(np.isfinite(aux)), lines
    assert aux[-1] < aux[0] - 0.2, aux
    assert (tmp_path / 'work' / 'epoch_2.pth').is_file()
