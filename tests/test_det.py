"""Detection: every config builds at the paper's size, both model families train a step,
tools/test.py evaluates real COCO images, and a toy run learns."""
import json
import shutil
from pathlib import Path

import pytest
import torch

from by_hand import DET_STATS, coco_stats
from reference import COCO_MINI, require_shared
from tools_cli import REPO, read_json, run_tool, untrained_checkpoint
from uniformer_dense.analysis import build_model, count_params
from uniformer_dense.harness import load_config

DET_CONFIGS = sorted((REPO / 'configs' / 'det').glob('*.py'))
# Full-detector parameter counts of the paper (80 classes), in millions.
PAPER_PARAMS = {
    'mask_rcnn_uniformer_xxs': 29.4, 'mask_rcnn_uniformer_xs': 35.6,
    'mask_rcnn_uniformer_s': 41, 'mask_rcnn_uniformer_b': 69,
    'mask_rcnn_uniformer_s_3x_ms': 41, 'mask_rcnn_uniformer_b_3x_ms': 69,
    'cascade_mask_rcnn_uniformer_s_3x_ms': 79, 'cascade_mask_rcnn_uniformer_b_3x_ms': 107,
}
TOY_CONFIG = REPO / 'configs' / 'toy' / 'mask_rcnn_uniformer_xxs_toy.py'


def test_det_configs_are_the_listed_ones():
    assert {p.stem for p in DET_CONFIGS} == set(PAPER_PARAMS)


@pytest.mark.parametrize('path', DET_CONFIGS, ids=lambda p: p.stem)
def test_det_config_builds_with_paper_param_count(path):
    cfg = load_config(str(path))
    model = build_model(cfg, init=False)
    assert type(model.backbone).__name__ == 'UniFormer'
    assert list(cfg.model.neck.in_channels) == model.backbone.out_channels
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('zoo://')
    params = count_params(model) / 1e6
    assert params == pytest.approx(PAPER_PARAMS[path.stem], rel=0.03)


def test_entry_config_is_mask_rcnn_s_h14_1x():
    cfg = load_config(str(REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_s.py'))
    assert cfg.model.type == 'MaskRCNN'
    assert cfg.model.backbone.variant == 'uniformer_s_h14'
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.model.backbone.checkpoint_num == (0, 0, 8, 0)


def _fake_batch(model, n=2, size=(128, 160)):
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    h, w = size
    samples = []
    for i in range(n):
        s = DetDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size,
                                        batch_input_shape=size, scale_factor=(1., 1.)))
        inst = InstanceData(bboxes=torch.tensor([[8., 10., 70., 90.], [60., 40., 150., 120.]]),
                            labels=torch.tensor([0, 5]))
        masks = torch.zeros(2, h, w, dtype=torch.uint8)
        masks[0, 10:90, 8:70] = 1
        masks[1, 40:120, 60:150] = 1
        inst.masks = BitmapMasks(masks.numpy(), h, w)
        s.gt_instances = inst
        samples.append(s)
    return torch.randn(n, 3, h, w), samples


@pytest.mark.parametrize('name', ['mask_rcnn_uniformer_xxs', pytest.param(
    'cascade_mask_rcnn_uniformer_s_3x_ms', marks=pytest.mark.slow)])
def test_forward_backward_of_each_family(name):
    cfg = load_config(str(REPO / 'configs' / 'det' / f'{name}.py'))
    model = build_model(cfg).train()
    inputs, samples = _fake_batch(model)
    losses = model.loss(inputs, samples)
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    assert {'loss_rpn_cls', 'loss_mask'} <= {k.split('.')[-1] for k in losses} | set(losses)
    loss.backward()
    grads = [p.grad for n, p in model.backbone.named_parameters() if p.requires_grad]
    assert all(g is not None for g in grads[:10])
    assert sum(g.abs().sum() for g in grads if g is not None) > 0
    model.eval()
    with torch.no_grad():
        (pred,) = model.predict(inputs[:1], samples[:1])
    assert pred.pred_instances.bboxes.shape[1] == 4


def _coco_mini_options(ann):
    """Point a COCO config's test split at the real coco_mini images and ``ann``."""
    root = require_shared(COCO_MINI)
    return ['--cfg-options', f'test_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.ann_file={ann}', 'test_dataloader.dataset.data_prefix.img=',
            f'test_evaluator.ann_file={ann}', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False', 'test_dataloader.batch_size=2']


@pytest.mark.slow
def test_real_coco_images_through_tools_test(tmp_path):
    """Real COCO val2017 images and annotations, the standard metric set from pycocotools.
    coco_mini's file lists only the person category (a common case): the 80-class model is
    evaluated on it matched by name instead of failing inside CocoMetric."""
    config = REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_xxs.py'
    ckpt = untrained_checkpoint(config, tmp_path / 'xxs.pth')
    out = tmp_path / 'metrics.json'
    ann = require_shared(COCO_MINI) / 'test_coco.json'
    # untrained weights score below the usual 0.05 threshold: keep every detection
    saved = tmp_path / 'predictions'  # CocoMetric keeps its results files: saved.bbox.json ...
    run_tool('test.py', config, ckpt, '--work-dir', tmp_path / 'work', '--out', out,
             *_coco_mini_options(ann), 'model.test_cfg.rcnn.score_thr=0.0',
             f'test_evaluator.outfile_prefix={saved}')
    result = read_json(out)
    assert result['task'] == 'det'
    # the evaluator's numbers are pycocotools' on the same saved predictions, evaluated here
    # against the original person-only file (no category matching): MMDetection counts up to
    # (100, 300, 1000) detections per image and rounds to 3 decimals, hence the tolerance;
    # and -1 (no ground truth of that size) must be -1 on both sides
    for kind in ('bbox', 'segm'):
        results = json.loads(Path(f'{saved}.{kind}.json').read_text())
        assert len({r['image_id'] for r in results}) == 4 and len(results) <= 4 * 100
        stats = coco_stats(ann, f'{saved}.{kind}.json', kind, max_dets=(100, 300, 1000))
        for name, expected in zip(DET_STATS, stats):
            value = result['metrics'][f'coco/{kind}_{name}']
            assert value == pytest.approx(expected, abs=5e-4 + 1e-9), (kind, name, stats)
    assert set(result['headline']) == {'box_ap', 'mask_ap'}
    assert result['categories']['evaluated_categories'] == ['person']
    assert len(result['categories']['ignored_classes']) == 79
    # the 4 images with their 14 people were all read and scored
    log = '\n'.join(p.read_text() for p in (tmp_path / 'work').rglob('*.log'))
    assert '[2/2]' in log and 'matched by name' in log

    # nothing above the score threshold: AP 0.0 with a warning, not an empty headline
    run_tool('test.py', config, ckpt, '--work-dir', tmp_path / 'none', '--out', out,
             *_coco_mini_options(ann), 'model.test_cfg.rcnn.score_thr=1.01')
    result = read_json(out)
    assert result['headline'] == {'box_ap': 0.0, 'mask_ap': 0.0}
    assert 'nothing detected' in result['warning']


def test_category_subset_metric_equals_pycocotools_on_known_boxes(tmp_path):
    """The evaluator the detection configs name, on the person-only coco_mini file, with
    boxes whose AP is far from 0 (an untrained model's is 0 on both sides above): person
    boxes at three offsets from the ground truth, a wrong person box per image scored high,
    and 'bicycle' boxes on the people (a class the file lacks: not counted). Its numbers are
    pycocotools' on the same boxes written here as a COCO results file by hand (person =
    category 1, boxes as x, y, w, h), to MMDetection's 3-decimal rounding."""
    from mmdet.datasets import CocoDataset
    from uniformer_dense.coco_metric import CategorySubsetCocoMetric
    ann = require_shared(COCO_MINI) / 'test_coco.json'
    coco = json.loads(ann.read_text())
    samples, results = [], []
    for image in coco['images']:
        boxes, labels = [[0., 0., 24., 24.]], [0]  # the wrong person box
        for i, a in enumerate(x for x in coco['annotations'] if x['image_id'] == image['id']):
            x, y, w, h = a['bbox']
            dx = (0.05, 0.3, 0.6)[i % 3] * w
            boxes += [[x + dx, y, x + dx + w, y + h], [x, y, x + w, y + h]]
            labels += [0, 1]
        scores = [0.97] + [0.9 - 0.01 * i for i in range(len(boxes) - 1)]
        samples.append(dict(img_id=image['id'], ori_shape=(image['height'], image['width']),
                            pred_instances=dict(bboxes=torch.tensor(boxes),
                                                scores=torch.tensor(scores),
                                                labels=torch.tensor(labels))))
        results += [dict(image_id=image['id'], category_id=[1, 2][label], score=score,
                         bbox=[x1, y1, x2 - x1, y2 - y1])
                    for (x1, y1, x2, y2), label, score in zip(boxes, labels, scores)]
    (tmp_path / 'by_hand.bbox.json').write_text(json.dumps(results))
    stats = coco_stats(ann, tmp_path / 'by_hand.bbox.json', 'bbox', max_dets=(100, 300, 1000))
    assert 0.1 < stats[0] < 0.9 and stats[1] > stats[2] > 0, stats  # far from 0 and from 1

    metric = CategorySubsetCocoMetric(ann_file=str(ann), metric='bbox')
    metric.dataset_meta = dict(classes=CocoDataset.METAINFO['classes'])
    metric.process({}, samples)
    metrics = metric.evaluate(len(samples))
    assert metrics['coco/categories']['evaluated_categories'] == ['person']
    for name, expected in zip(DET_STATS, stats):
        assert metrics[f'coco/bbox_{name}'] == pytest.approx(expected, abs=5e-4 + 1e-9), (
            name, stats)


@pytest.mark.slow
def test_toy_training_learns_and_resumes(tmp_path):
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=32, n_val=12)
    untrained = untrained_checkpoint(TOY_CONFIG, tmp_path / 'untrained.pth')
    run_tool('test.py', TOY_CONFIG, untrained, '--work-dir', tmp_path / 'w0',
             '--out', tmp_path / 'before.json', cwd=tmp_path)
    before = read_json(tmp_path / 'before.json')['headline']

    work = tmp_path / 'work'
    run_tool('train.py', TOY_CONFIG, '--work-dir', work, '--cfg-options',
             'train_cfg.max_epochs=4', 'train_cfg.val_interval=100', cwd=tmp_path)
    assert (work / 'epoch_4.pth').exists()
    run_tool('test.py', TOY_CONFIG, work / 'epoch_4.pth', '--work-dir', tmp_path / 'w1',
             '--out', tmp_path / 'after.json', cwd=tmp_path)
    after = read_json(tmp_path / 'after.json')['headline']
    assert after['box_ap'] > before['box_ap'] + 0.1, (before, after)
    assert after['mask_ap'] > before['mask_ap'] + 0.1, (before, after)

    # --resume continues from MMEngine's own checkpoint (needs the safe-load allow-list)
    proc = run_tool('train.py', TOY_CONFIG, '--work-dir', work, '--resume', '--cfg-options',
                    'train_cfg.max_epochs=5', 'train_cfg.val_interval=100', cwd=tmp_path)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 4' in log or 'Load checkpoint from' in log
    assert (work / 'epoch_5.pth').exists()


def test_convert_authors_mmdet2_checkpoint(tmp_path):
    """A file in the authors' MMDetection 2.x layout (mmcv 1.x meta with CLASSES,
    optimizer state) converts, fits the config's model, and evaluates."""
    from mmdet.datasets import CocoDataset
    config = REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_xxs.py'
    model = build_model(load_config(str(config)), init=False)
    src = tmp_path / 'mask_rcnn_1x_xxs.pth'
    torch.save({'meta': {'mmcv_version': '1.3.8', 'CLASSES': CocoDataset.METAINFO['classes'],
                         'epoch': 12, 'iter': 87936, 'config': "model = dict(type='MaskRCNN')"},
                'state_dict': model.state_dict(),
                'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-6, 'params': [0, 1]}]}},
               src)
    dst = tmp_path / 'converted.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, '--config', config)
    assert 'mmdet2' in proc.stdout and 'fit' in proc.stdout
    out = torch.load(dst, weights_only=True)
    assert set(out) == {'meta', 'state_dict'}
    assert out['meta']['dataset_meta']['classes'][0] == 'person'
    for k, v in model.state_dict().items():
        assert torch.equal(out['state_dict'][k], v)


def test_convert_rejects_checkpoint_of_another_model(tmp_path):
    config = REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_s.py'
    other = build_model(load_config(str(REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_xxs.py')),
                        init=False)
    src = tmp_path / 'xxs.pth'
    torch.save({'state_dict': other.state_dict()}, src)
    proc = run_tool('convert_checkpoint.py', src, tmp_path / 'out.pth', '--config', config,
                    check=False)
    assert proc.returncode != 0
    assert 'does not fit' in proc.stderr and 'mask_rcnn_uniformer_s.py' in proc.stderr
