"""The package's safeguards under the toolboxes' own ``tools/train.py``.

``custom_imports=['uniformer_dense']`` (every shipped config has it) registers the hooks and
transforms, and the shipped configs name them: the NaN stop (NonFiniteLossHook), random states
in every checkpoint (RandomStateHook), checkpoints saved through the ``atomic_local`` backend,
and segmentation label checks (CheckSegLabels). Each upstream run below shows one of them
acting, with the hooks in MMEngine's hook table.
"""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from tools_cli import REPO

CONFIGS = ['det/mask_rcnn_uniformer_s.py', 'det/cascade_mask_rcnn_uniformer_s_3x_ms.py',
           'seg/fpn_uniformer_s_h14.py', 'seg/upernet_uniformer_s_h14.py',
           'pose/topdown_heatmap_uniformer_s_256x192.py', 'video/uniformer_video_s_16x4_k400.py',
           'long_video/stan_uniformer_s_frozen.py', 'long_video/stan_uniformer_s_cached.py']


@pytest.mark.parametrize('config', CONFIGS)
def test_shipped_configs_name_the_safeguards(config):
    cfg = Config.fromfile(str(REPO / 'configs' / config))
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert {'NonFiniteLossHook', 'RandomStateHook'} <= set(hooks), hooks
    assert cfg.default_hooks.checkpoint.backend_args == dict(backend='atomic_local')
    assert 'uniformer_dense' in cfg.custom_imports['imports']
    if config.startswith('seg/'):
        for split in ('train', 'val', 'test'):
            pipeline = [t['type'] for t in cfg[f'{split}_dataloader'].dataset.pipeline]
            at = pipeline.index('LoadAnnotations')
            assert pipeline[at + 1] == 'CheckSegLabels', (split, pipeline)


def upstream_train(package, config, cwd, *options):
    """``python <package>/.mim/tools/train.py CONFIG`` as a user of that toolbox runs it."""
    tool = Path(importlib.util.find_spec(package).origin).parent / '.mim' / 'tools' / 'train.py'
    proc = subprocess.run([sys.executable, str(tool), str(REPO / 'configs' / 'toy' / config),
                           '--work-dir', str(cwd / 'work'), '--cfg-options', *options],
                          cwd=cwd, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert 'NonFiniteLossHook' in log and 'RandomStateHook' in log, log[-3000:]  # hook table
    return proc, log


@pytest.mark.slow
def test_mmdet_train_saves_random_states_atomically(tmp_path):
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=4, n_val=2)
    proc, log = upstream_train('mmdet', 'mask_rcnn_uniformer_xxs_toy.py', tmp_path,
                               'train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
                               'train_dataloader.batch_size=2')
    assert proc.returncode == 0, log[-3000:]
    saved = tmp_path / 'work' / 'epoch_1.pth'
    meta = torch.load(saved, weights_only=False)['meta']
    assert {'torch', 'numpy', 'python'} <= set(meta['rng_state'])
    assert sorted(p.name for p in saved.parent.iterdir() if 'pth' in p.name) == ['epoch_1.pth']


@pytest.mark.slow
def test_mmseg_train_checks_label_maps(tmp_path):
    import numpy as np
    from PIL import Image

    from uniformer_dense.toy_data import make_ade_segmentation
    root = make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=2, n_val=1)
    bad = sorted((Path(root) / 'annotations' / 'training').glob('*.png'))[0]
    label = np.array(Image.open(bad))
    label[:4, :4] = 200  # 199 after reduce_zero_label: outside the toy's 3 classes
    Image.fromarray(label).save(bad)
    proc, log = upstream_train('mmseg', 'fpn_uniformer_xxs_toy.py', tmp_path,
                               'train_cfg.max_iters=2', 'train_cfg.val_interval=1000',
                               'train_dataloader.batch_size=2')
    assert proc.returncode != 0
    assert bad.name in log and '[199]' in log and 'outside the 3 classes' in log, log[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize('package,config,loss', [
    ('mmpose', 'topdown_heatmap_uniformer_s_toy.py', ['model.head.loss.loss_weight=nan']),
    ('mmaction', 'uniformer_video_s_toy.py', ['model.cls_head.loss_cls.type=CrossEntropyLoss',
                                              'model.cls_head.loss_cls.loss_weight=nan']),
])
def test_upstream_train_stops_at_the_first_nan_loss(tmp_path, package, config, loss):
    from uniformer_dense.toy_data import make_coco_instances, make_toy_videos
    if package == 'mmpose':
        make_coco_instances(tmp_path / 'data' / 'toy', n_train=4, n_val=2)
        options = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=4']
    else:
        make_toy_videos(tmp_path / 'data' / 'toy' / 'video', n_train=4, n_val=2, num_frames=8)
        options = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=2']
    proc, log = upstream_train(package, config, tmp_path, *options,
                               'train_cfg.val_interval=1000', *loss)
    assert proc.returncode != 0
    assert 'Non-finite loss at iteration 1' in log, log[-3000:]
    assert not list((tmp_path / 'work').glob('*.pth'))
