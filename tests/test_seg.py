"""Segmentation: configs at the paper's size, forward/backward, slide and whole inference,
real COCO images as an ADE20K-style label map, and a toy run that learns (with TTA)."""
import json

import cv2
import numpy as np
import pytest
import torch

from by_hand import confusion, seg_metrics
from reference import COCO_MINI, require_shared
from tools_cli import REPO, read_json, run_tool, untrained_checkpoint
from uniformer_dense.analysis import build_model, count_params
from uniformer_dense.harness import load_config

SEG_CONFIGS = sorted((REPO / 'configs' / 'seg').glob('*.py'))
PAPER_PARAMS = {'upernet_uniformer_s': 52, 'upernet_uniformer_b': 80, 'fpn_uniformer_xxs': 13.5,
                'fpn_uniformer_xs': 19.7, 'fpn_uniformer_s': 25, 'fpn_uniformer_b': 54}
TOY_CONFIG = REPO / 'configs' / 'toy' / 'fpn_uniformer_xxs_toy.py'


def _paper_params(stem):
    for prefix, params in PAPER_PARAMS.items():
        if stem == prefix or stem.startswith(prefix + '_'):
            return params
    raise KeyError(stem)


def test_seg_configs_are_the_listed_ones():
    stems = {p.stem for p in SEG_CONFIGS}
    for model, variants in (('upernet', ['s', 'b']), ('fpn', ['s', 'b'])):
        for v in variants:
            for att in ('h14', 'global', 'w32', 'h32'):
                assert f'{model}_uniformer_{v}_{att}' in stems
    assert {'fpn_uniformer_xxs', 'fpn_uniformer_xs'} <= stems
    assert len(stems) == 18


@pytest.mark.parametrize('path', SEG_CONFIGS, ids=lambda p: p.stem)
def test_seg_config_builds_with_paper_param_count(path):
    cfg = load_config(str(path))
    model = build_model(cfg, init=False)
    assert type(model.backbone).__name__ == 'UniFormer'
    assert cfg.model.decode_head.num_classes == 150
    assert cfg.train_dataloader.dataset.data_root == 'data/ade/ADEChallengeData2016'
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('zoo://')
    assert count_params(model) / 1e6 == pytest.approx(_paper_params(path.stem), rel=0.03)
    if path.stem.startswith('upernet'):
        assert cfg.model.auxiliary_head.type == 'FCNHead'


@pytest.mark.parametrize('stem,train_att,test_att', [
    ('upernet_uniformer_s_w32', None, 32), ('fpn_uniformer_b_h32', None, 32),
    ('upernet_uniformer_s_global', None, None)])
def test_w32_h32_are_test_time_overrides_of_the_global_model(stem, train_att, test_att):
    cfg = load_config(str(REPO / 'configs' / 'seg' / f'{stem}.py'))
    assert cfg.model.backbone.variant in ('uniformer_s', 'uniformer_b')  # trained global
    model = build_model(cfg, init=False)
    model.train()
    assert {b.window_size for b in model.backbone.blocks3} == {train_att}
    model.eval()
    assert test_att in {b.window_size for b in model.backbone.blocks3}


def _seg_batch(n=2, size=(128, 128), classes=150):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for i in range(n):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        s.gt_sem_seg = PixelData(data=torch.randint(0, classes, (1, *size)))
        samples.append(s)
    return torch.randn(n, 3, *size), samples


@pytest.mark.parametrize('stem', ['upernet_uniformer_s_h14', 'fpn_uniformer_xxs'])
def test_forward_backward(stem):
    model = build_model(load_config(str(REPO / 'configs' / 'seg' / f'{stem}.py'))).train()
    inputs, samples = _seg_batch()
    loss, _ = model.parse_losses(model.loss(inputs, samples))
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.patch_embed2.proj.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_inference_on_size_not_multiple_of_32(mode):
    cfg = load_config(str(REPO / 'configs' / 'seg' / 'upernet_uniformer_s_h14.py'))
    cfg.model.test_cfg = dict(mode=mode, crop_size=(64, 64), stride=(43, 43))
    model = build_model(cfg).eval()
    h, w = 100, 147
    inputs = torch.randn(1, 3, h, w)
    from mmseg.structures import SegDataSample
    sample = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
    with torch.no_grad():
        (pred,) = model.predict(inputs, [sample])
    assert pred.seg_logits.data.shape == (150, h, w)
    assert pred.pred_sem_seg.data.shape == (1, h, w)
    assert torch.isfinite(pred.seg_logits.data).all()


def _coco_mini_as_ade(root):
    """The 4 real COCO images, their person polygons drawn as ADE20K's 'person' (label 13,
    12 after reduce_zero_label); every other pixel unlabelled (0, ignored)."""
    coco = json.loads((require_shared(COCO_MINI) / 'test_coco.json').read_text())
    (root / 'images' / 'validation').mkdir(parents=True)
    (root / 'annotations' / 'validation').mkdir(parents=True)
    for img in coco['images']:
        image = cv2.imread(str(COCO_MINI / img['file_name']))
        cv2.imwrite(str(root / 'images' / 'validation' / img['file_name']), image)
        label = np.zeros((img['height'], img['width']), np.uint8)
        for ann in coco['annotations']:
            if ann['image_id'] == img['id'] and isinstance(ann['segmentation'], list):
                for poly in ann['segmentation']:
                    pts = np.round(np.array(poly).reshape(-1, 2)).astype(np.int32)
                    cv2.fillPoly(label, [pts], 13)
        assert (label == 13).sum() > 1000
        cv2.imwrite(str(root / 'annotations' / 'validation' / img['file_name'].replace('.jpg', '.png')),
                    label)
    return root


def test_real_coco_images_as_ade_label_maps_through_tools_test(tmp_path):
    root = _coco_mini_as_ade(tmp_path / 'ade')
    config = REPO / 'configs' / 'seg' / 'fpn_uniformer_xxs.py'
    ckpt = untrained_checkpoint(config, tmp_path / 'fpn_xxs.pth')
    out = tmp_path / 'metrics.json'
    saved = tmp_path / 'predictions'  # IoUMetric writes each image's label map here
    run_tool('test.py', config, ckpt, '--work-dir', tmp_path / 'work', '--out', out,
             '--cfg-options', f'test_dataloader.dataset.data_root={root}',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
             f'test_evaluator.output_dir={saved}')
    result = read_json(out)
    assert result['task'] == 'seg'
    assert set(result['headline']) == {'miou', 'macc', 'aacc'}
    # the evaluator's numbers are those of the saved label maps against the label maps this
    # test drew, counted here with numpy: ADE's 150 classes, written +1 (reduce_zero_label);
    # label 0 is ignored, 13 is 'person' (12). Only person pixels are labelled, so a class
    # the model puts on them counts in mIoU with IoU 0, and mAcc is person's accuracy = aAcc.
    # MMSeg rounds to 2 decimals, hence the tolerance.
    conf = 0
    for gt_file in sorted((root / 'annotations' / 'validation').glob('*.png')):
        gt = cv2.imread(str(gt_file), cv2.IMREAD_UNCHANGED).astype(np.int64)
        pred = cv2.imread(str(saved / gt_file.name), cv2.IMREAD_UNCHANGED).astype(np.int64)
        assert pred.shape == gt.shape and 1 <= pred.min() and pred.max() <= 150, gt_file.name
        conf = conf + confusion(pred - 1, np.where(gt == 0, 255, gt - 1), 150)
    assert conf.sum() == conf[12].sum() > 4000  # the person pixels of the 4 images
    expected = seg_metrics(conf)
    for name, key in (('miou', 'mIoU'), ('macc', 'mAcc'), ('aacc', 'aAcc')):
        assert result['headline'][name] == pytest.approx(expected[key], abs=0.005 + 1e-9), (
            name, expected)


@pytest.mark.slow
def test_toy_training_learns_and_multiscale_test_runs(tmp_path):
    from uniformer_dense.toy_data import make_ade_segmentation
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=24, n_val=8)
    untrained = untrained_checkpoint(TOY_CONFIG, tmp_path / 'untrained.pth')
    run_tool('test.py', TOY_CONFIG, untrained, '--work-dir', tmp_path / 'w0',
             '--out', tmp_path / 'before.json', cwd=tmp_path)
    work = tmp_path / 'work'
    run_tool('train.py', TOY_CONFIG, '--work-dir', work, '--cfg-options',
             'train_cfg.max_iters=60', 'train_cfg.val_interval=1000', cwd=tmp_path)
    ckpt = work / 'iter_60.pth'
    assert ckpt.exists()
    run_tool('test.py', TOY_CONFIG, ckpt, '--work-dir', tmp_path / 'w1',
             '--out', tmp_path / 'after.json', cwd=tmp_path)
    run_tool('test.py', TOY_CONFIG, ckpt, '--work-dir', tmp_path / 'w2', '--tta',
             '--out', tmp_path / 'tta.json', cwd=tmp_path)
    before = read_json(tmp_path / 'before.json')['headline']
    after = read_json(tmp_path / 'after.json')['headline']
    tta = read_json(tmp_path / 'tta.json')['headline']
    print(f'toy seg mIoU: untrained {before["miou"]}, trained {after["miou"]}, '
          f'multi-scale+flip {tta["miou"]}')
    assert after['miou'] > before['miou'] + 30, (before, after)
    assert tta['miou'] > before['miou'] + 30, (before, tta)


def test_convert_authors_mmseg0_checkpoint(tmp_path):
    """A file in the authors' MMSegmentation 0.x layout (mmcv 1.x meta with CLASSES and
    PALETTE, optimizer state) converts and fits the UperNet config's model."""
    from mmseg.datasets import ADE20KDataset
    config = REPO / 'configs' / 'seg' / 'upernet_uniformer_s_h14.py'
    model = build_model(load_config(str(config)), init=False)
    src = tmp_path / 'upernet_hybrid_small.pth'
    torch.save({'meta': {'CLASSES': ADE20KDataset.METAINFO['classes'],
                         'PALETTE': ADE20KDataset.METAINFO['palette'], 'iter': 160000},
                'state_dict': model.state_dict(), 'optimizer': {'state': {}}}, src)
    dst = tmp_path / 'converted.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, '--config', config)
    assert 'mmseg0' in proc.stdout and '150 classes' in proc.stdout
    out = torch.load(dst, weights_only=True)
    assert len(out['meta']['dataset_meta']['classes']) == 150
    assert out['state_dict'].keys() == model.state_dict().keys()
