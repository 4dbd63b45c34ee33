"""Pose: configs, forward/backward at each input size, real COCO keypoints with detector
boxes through tools/test.py, MMPose's inferencer + visualiser, and a toy run that learns."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from by_hand import POSE_STATS, coco_stats
from reference import COCO_MINI, require_shared
from tools_cli import REPO, read_json, run_tool, untrained_checkpoint
from uniformer_dense.analysis import build_model, count_params
from uniformer_dense.harness import load_config

POSE_CONFIGS = sorted((REPO / 'configs' / 'pose').glob('*.py'))
TOY_CONFIG = REPO / 'configs' / 'toy' / 'topdown_heatmap_uniformer_s_toy.py'
S_256 = REPO / 'configs' / 'pose' / 'topdown_heatmap_uniformer_s_256x192.py'


def test_pose_configs_are_the_six_published_models():
    assert {p.stem for p in POSE_CONFIGS} == {
        f'topdown_heatmap_uniformer_{v}_{s}' for v in 'sb' for s in ('256x192', '384x288', '448x320')}


@pytest.mark.parametrize('path', POSE_CONFIGS, ids=lambda p: p.stem)
def test_pose_config_builds(path):
    cfg = load_config(str(path))
    variant = 'uniformer_s' if '_s_' in path.stem else 'uniformer_b'
    h, w = map(int, path.stem.split('_')[-1].split('x'))
    assert cfg.codec.input_size == (w, h) and cfg.codec.heatmap_size == (w // 4, h // 4)
    assert cfg.model.head.decoder.input_size == (w, h)
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.val_dataloader.dataset.pipeline):
        affine = [t for t in pipeline if t['type'] == 'TopdownAffine']
        assert affine[0]['input_size'] == (w, h)
    assert cfg.val_dataloader.dataset.bbox_file.endswith('AP_H_56_person.json')
    assert cfg.model.test_cfg.flip_test
    model = build_model(cfg, init=False)
    assert model.backbone.variant == variant and model.backbone.out_indices == (3,)
    backbone = sum(p.numel() for p in model.backbone.parameters())
    assert backbone == {'uniformer_s': 21033280, 'uniformer_b': 49264576}[variant]
    # deconvolution head: 3 x (4x4 deconv 256) + 1x1 to 17 heatmaps, on the stride-32 map
    assert count_params(model) - backbone == pytest.approx(4.23e6, rel=0.01)


@pytest.mark.parametrize('size', ['256x192', '384x288', '448x320'])
def test_forward_backward_at_each_input_size(size):
    cfg = load_config(str(REPO / 'configs' / 'pose' / f'topdown_heatmap_uniformer_s_{size}.py'))
    model = build_model(cfg).train()
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    w, h = cfg.codec.input_size
    hw, hh = cfg.codec.heatmap_size
    samples = []
    for _ in range(2):
        s = PoseDataSample(metainfo=dict(input_size=(w, h), img_shape=(h, w)))
        s.gt_fields = PixelData(heatmaps=torch.rand(17, hh, hw))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, 17))
        samples.append(s)
    losses = model.loss(torch.randn(2, 3, h, w), samples)
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.blocks4[0].attn.qkv.weight.grad.abs().sum() > 0
    assert model.backbone.norm1.weight.grad is None  # stride-4 map unused by the head


def _coco_mini_options():
    root = require_shared(COCO_MINI)
    return ['--cfg-options', f'test_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.ann_file={root / "test_coco.json"}',
            f'test_dataloader.dataset.bbox_file={root / "test_coco_det_AP_H_56.json"}',
            'test_dataloader.dataset.data_prefix.img=', f'test_evaluator.ann_file={root / "test_coco.json"}',
            'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']


@pytest.mark.slow
def test_real_coco_keypoints_with_detector_boxes_through_tools_test(tmp_path):
    ckpt = untrained_checkpoint(S_256, tmp_path / 's256.pth')
    out = tmp_path / 'metrics.json'
    saved = tmp_path / 'predictions'  # CocoMetric keeps saved.keypoints.json
    run_tool('test.py', S_256, ckpt, '--work-dir', tmp_path / 'work', '--out', out,
             *_coco_mini_options(), f'test_evaluator.outfile_prefix={saved}')
    result = read_json(out)
    assert result['task'] == 'pose'
    # the evaluator's numbers are pycocotools' keypoint COCOeval (COCO's 17 sigmas, its own
    # implementation; MMPose evaluates with xtcocotools) on the same saved predictions (after
    # MMPose's rescoring and OKS-NMS), to float precision
    predictions = json.loads(Path(f'{saved}.keypoints.json').read_text())
    assert {p['image_id'] for p in predictions} == {785, 40083, 196141, 197388}
    stats = coco_stats(COCO_MINI / 'test_coco.json', f'{saved}.keypoints.json', 'keypoints')
    for name, expected in zip(POSE_STATS, stats):
        assert result['metrics'][f'coco/{name}'] == pytest.approx(expected, abs=1e-9), (name, stats)
    assert set(result['headline']) == {'keypoint_ap'}


def test_mmpose_inferencer_and_visualiser_draw_keypoints(tmp_path):
    """MMPose's own inferencer on a real image, the whole image as the person box."""
    import cv2
    from mmpose.apis import MMPoseInferencer
    image = str(require_shared(COCO_MINI) / '000000000785.jpg')
    ckpt = untrained_checkpoint(S_256, tmp_path / 's256.pth')
    inferencer = MMPoseInferencer(pose2d=str(S_256), pose2d_weights=str(ckpt),
                                  det_model='whole_image', device='cpu')
    result = next(inferencer(image, return_vis=True, kpt_thr=0.0, draw_bbox=False))
    (person,) = result['predictions'][0]
    assert np.array(person['keypoints']).shape == (17, 2)
    vis = result['visualization'][0]
    original = cv2.imread(image)[:, :, ::-1]
    assert vis.shape == original.shape
    changed = (np.abs(vis.astype(int) - original.astype(int)).sum(-1) > 30).mean()
    assert changed > 0.001, changed  # keypoints and limbs were drawn


@pytest.mark.slow
def test_toy_training_learns(tmp_path):
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=32, n_val=8)
    untrained = untrained_checkpoint(TOY_CONFIG, tmp_path / 'untrained.pth')
    run_tool('test.py', TOY_CONFIG, untrained, '--work-dir', tmp_path / 'w0',
             '--out', tmp_path / 'before.json', cwd=tmp_path)
    work = tmp_path / 'work'
    run_tool('train.py', TOY_CONFIG, '--work-dir', work, cwd=tmp_path)
    ckpt = sorted(work.glob('epoch_*.pth'))[-1]
    run_tool('test.py', TOY_CONFIG, ckpt, '--work-dir', tmp_path / 'w1',
             '--out', tmp_path / 'after.json', cwd=tmp_path)
    before = read_json(tmp_path / 'before.json')['headline']['keypoint_ap']
    after = read_json(tmp_path / 'after.json')['headline']['keypoint_ap']
    print(f'toy keypoint AP: untrained {before}, trained {after}')
    assert after > before + 0.2, (before, after)


def test_convert_authors_mmpose0_checkpoint(tmp_path):
    """The authors' MMPose 0.x files name the head keypoint_head; MMPose 1.x calls it head."""
    model = build_model(load_config(str(S_256)), init=False)
    old = {(k.replace('head.', 'keypoint_head.', 1) if k.startswith('head.') else k): v
           for k, v in model.state_dict().items()}
    src = tmp_path / 'top_down_256x192_global_small.pth'
    torch.save({'meta': {'epoch': 210}, 'state_dict': old}, src)
    dst = tmp_path / 'converted.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, '--config', S_256)
    assert 'mmpose0' in proc.stdout
    out = torch.load(dst, weights_only=True)['state_dict']
    assert out.keys() == model.state_dict().keys()
    assert torch.equal(out['head.final_layer.weight'], model.state_dict()['head.final_layer.weight'])


@pytest.mark.slow
def test_benchmark_json_reports_params_flops_latency_memory():
    proc = run_tool('benchmark.py', S_256, '--json', '--repeats', '1')
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['params'] == 25233489
    assert result['shape'] == [256, 192]
    # multiply-accumulates of backbone + head; the paper reports 4.7G for UniFormer-S 256x192
    assert result['flops'] == pytest.approx(4.7e9, rel=0.10)
    assert result['latency_ms'] > 0
    # CPU: the growth of the fresh process's peak resident set over the timed forwards, a
    # growth (measured 38-44 MB alone, 0 in a full suite run: the peak the imports reached
    # can already cover the forward, so 0 is a valid measurement). The
    # bound: one forward's module outputs at 1 x 3 x 256 x 192 sum to 126 MB (largest 3 MB),
    # so every output kept at once plus as much again for workspace stays under 256 MB; the
    # process holds ~950 MB before the forward, so a figure of the whole process fails, as
    # does one in KB
    assert 0 <= result['peak_mem_mb'] < 256, result
    proc = run_tool('benchmark.py', S_256, '--json', '--skip-speed')
    assert set(json.loads(proc.stdout.strip().splitlines()[-1])) == {'config', 'task', 'params'}
