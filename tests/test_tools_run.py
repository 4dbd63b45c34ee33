"""Tools that the README tells users to run, run as they would: a subprocess, from outside
the checkout, with real arguments."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from reference import COCO_MINI, require_shared
from tools_cli import REPO, run_tool


def test_make_toy_data_writes_every_toy_set(tmp_path):
    out = tmp_path / 'toy'
    proc = run_tool('make_toy_data.py', out, '--train', '4', '--val', '2', '--video-train', '4',
                    '--video-val', '2', cwd=tmp_path)
    assert f'toy COCO instances written to {out}' in proc.stdout
    coco = json.loads((out / 'annotations' / 'instances_train.json').read_text())
    assert len(coco['images']) == 4 and coco['annotations']
    for image in coco['images']:
        assert cv2.imread(str(out / 'train' / image['file_name'])).shape[:2] == \
            (image['height'], image['width'])
    assert len(list((out / 'ade' / 'images' / 'training').iterdir())) == 4
    classes = sorted(p.name for p in (out / 'cls' / 'train').iterdir())
    assert classes == ['ellipse', 'rectangle', 'triangle']
    maps = sorted((out / 'cls' / 'labels').rglob('*.pt'))
    assert len(maps) == len(list((out / 'cls' / 'train').rglob('*.png')))
    assert torch.load(maps[0]).shape == (2, 3, 8, 8)
    lines = (out / 'video' / 'train_list.txt').read_text().split('\n')
    assert len([line for line in lines if line.strip()]) == 4


def test_demo_backbone_runs_from_outside_the_checkout(tmp_path):
    """Started as `python tools/demo_backbone.py` from another folder, without the editable
    install's import hook (``-S``: no .pth files; site-packages only on PYTHONPATH): only the
    script's own sys.path line can find the package."""
    site = next(p for p in sys.path if p.endswith('site-packages') and Path(p, 'torch').is_dir())
    cmd = [sys.executable, '-S', str(REPO / 'tools' / 'demo_backbone.py'), '--variants',
           'uniformer_xxs', 'uniformer_video_s', '--size', '64', '64', '--frames', '4']
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=site, PYTHONWARNINGS='ignore'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith('| uniformer')]
    assert [row.split('|')[1].strip() for row in rows] == ['uniformer_xxs', 'uniformer_video_s']
    assert '56x16x16 112x8x8 224x4x4 448x2x2' in rows[0]  # strides 4-32 of 64 px
    assert '512x2x2x2' in rows[1]  # the video S: 4 frames / 2, 64 px / 32


@pytest.mark.parametrize('config', ['seg/fpn_uniformer_xxs.py',
                                    'pose/topdown_heatmap_uniformer_s_256x192.py'])
def test_demo_draws_segmentation_and_pose(tmp_path, config):
    """tools/demo.py on a COCO image with an untrained model: the result is drawn over the
    image (segmentation: a class colour on every pixel; pose without a person detector: the
    whole image as the box, keypoints drawn whatever their score with --score-thr 0)."""
    from uniformer_dense.analysis import save_initial_checkpoint
    image = require_shared(COCO_MINI) / '000000000785.jpg'
    config = REPO / 'configs' / config
    ckpt = save_initial_checkpoint(config, tmp_path / 'model.pth')
    out = tmp_path / 'out.png'
    proc = run_tool('demo.py', image, '--model', config, '--checkpoint', ckpt, '--out', out,
                    '--score-thr', '0', cwd=tmp_path)
    task = 'seg' if 'seg/' in str(config) else 'pose'
    assert f'{task} result drawn to {out}' in proc.stdout
    original, drawn = cv2.imread(str(image)), cv2.imread(str(out))
    assert drawn.shape == original.shape
    changed = (np.abs(drawn.astype(int) - original.astype(int)).sum(-1) > 30).mean()
    # an overlay on the whole image, or 17 keypoints and their links: a few thousand pixels
    assert changed > (0.5 if task == 'seg' else 0.002), changed


def test_train_amp_on_cpu_is_refused_with_the_reason(tmp_path):
    """--amp is MMEngine's AmpOptimWrapper, which has no CPU mode: on a machine without CUDA
    tools/train.py stops before building anything and says to run without it."""
    config = REPO / 'configs' / 'toy' / 'uniformer_xxs_cls_toy.py'
    proc = run_tool('train.py', config, '--amp', '--work-dir', tmp_path / 'w', cwd=tmp_path,
                    check=False)
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA: --amp runs here (the refusal is for CPU machines)')
    assert proc.returncode != 0
    assert '--amp needs a CUDA GPU' in proc.stderr and 'without --amp' in proc.stderr
    assert not list((tmp_path / 'w').rglob('*.pth'))


def test_train_auto_scale_lr_scales_by_the_batch(tmp_path):
    """--auto-scale-lr: MMEngine multiplies the learning rate by (processes x batch size) /
    auto_scale_lr.base_batch_size. The toy classifier: 1 process x 8 images against a base
    of 32, so every logged learning rate is a quarter of the same run's without the flag."""
    from uniformer_dense.toy_data import make_class_folders
    data = make_class_folders(tmp_path / 'data' / 'toy' / 'cls', n_train=16, n_val=6)
    config = REPO / 'configs' / 'toy' / 'uniformer_xxs_cls_toy.py'
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={data}',
               f'val_dataloader.dataset.data_root={data}', 'train_cfg.max_epochs=1',
               'default_hooks.logger.interval=1']
    lrs = {}
    for flag in ([], ['--auto-scale-lr']):
        work = tmp_path / ('scaled' if flag else 'plain')
        run_tool('train.py', config, *flag, '--work-dir', work, *options, cwd=tmp_path)
        scalars = next(work.rglob('scalars.json'))
        lrs[bool(flag)] = [json.loads(line)['lr'] for line in scalars.read_text().splitlines()
                           if '"lr"' in line]
    assert len(lrs[True]) == len(lrs[False]) == 2  # 16 images / 8 per step
    for scaled, plain in zip(lrs[True], lrs[False]):
        assert scaled == pytest.approx(plain * 8 / 32, rel=1e-6)


@pytest.mark.slow
def test_export_onnx_with_the_dynamo_exporter_as_a_process(tmp_path):
    """tools/export_onnx.py --dynamo (torch.export-based exporter) with --opset and --rtol, on
    the XXS classifier at 64 px: the file is written, ONNX Runtime's outputs agree with
    PyTorch's within the given tolerance (the tool's own check, reported), and a tolerance
    no exporter can meet (0) makes the tool fail and say so."""
    from uniformer_dense.analysis import save_initial_checkpoint
    config = REPO / 'configs' / 'cls' / 'uniformer_xxs_in1k.py'
    ckpt = save_initial_checkpoint(config, tmp_path / 'xxs.pth')
    out = tmp_path / 'xxs.onnx'
    proc = run_tool('export_onnx.py', config, ckpt, out, '--dynamo', '--opset', '18',
                    '--rtol', '1e-4', '--shape', '64', '64', cwd=tmp_path)
    report = json.loads(proc.stdout[proc.stdout.index('{'):])
    assert report['ok'] and out.stat().st_size > 1e6
    import onnx
    assert onnx.load(str(out)).opset_import[0].version == 18
    assert report['checks'][0]['input'] == [1, 3, 64, 64]
    strict = run_tool('export_onnx.py', config, ckpt, tmp_path / 'strict.onnx', '--dynamo',
                      '--rtol', '0', '--shape', '64', '64', cwd=tmp_path, check=False)
    assert strict.returncode != 0, strict.stdout[-2000:]
