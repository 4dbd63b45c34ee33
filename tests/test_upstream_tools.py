"""What the package gives under the toolboxes' own ``tools/train.py`` / ``test.py``
(``.mim/tools`` in their wheels), where only the config's ``custom_imports`` brings it in:
a COCO file listing some of the model's classes is evaluated on those
(:mod:`uniformer_dense.coco_metric`), and two CPU processes train through MMEngine's pytorch
launcher (:func:`uniformer_dense.distributed.prepare_toolbox_runners`)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools_cli import REPO, free_port, untrained_checkpoint
from uniformer_dense.datacheck import DatasetError

TOY_DET = REPO / 'configs' / 'toy' / 'mask_rcnn_uniformer_xxs_toy.py'
TOY_VIDEO = REPO / 'configs' / 'toy' / 'uniformer_video_s_toy.py'


def upstream_tool(package: str, tool: str) -> Path:
    return Path(importlib.util.find_spec(package).origin).parent / '.mim' / 'tools' / tool


def keep_one_category(ann: Path, name: str, out: Path) -> Path:
    """A copy of a toy COCO file with one of its two categories (and its annotations)."""
    data = json.loads(ann.read_text())
    kept = [c for c in data['categories'] if c['name'] == name]
    data['categories'] = kept
    data['annotations'] = [a for a in data['annotations'] if a['category_id'] == kept[0]['id']]
    out.write_text(json.dumps(data))
    return out


def subset_metric(ann_file):
    """The metric as a config names it, built in MMDetection's scope (an earlier test may
    have left another toolbox's as MMEngine's default)."""
    from mmdet.registry import METRICS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        return METRICS.build(dict(type='CategorySubsetCocoMetric', ann_file=str(ann_file),
                                  metric=['bbox', 'segm']))


def test_category_subset_metric_matches_by_name_and_leaves_full_files_alone(tmp_path):
    """The shipped detection configs' evaluator: a file listing every class in the config's
    order is CocoMetric's (nothing changed); a file with the second class only is matched by
    name; a class the config lacks stops with the package's message."""
    import uniformer_dense  # noqa: F401  (registers the metric)
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'toy', n_train=1, n_val=2)
    full = tmp_path / 'toy' / 'annotations' / 'instances_val.json'
    classes = ('rectangle', 'ellipse')

    metric = subset_metric(full)
    before = json.dumps(metric._coco_api.dataset)
    metric.dataset_meta = dict(classes=classes)
    assert metric.matched_categories is None
    assert json.dumps(metric._coco_api.dataset) == before

    metric = subset_metric(keep_one_category(full, 'ellipse', tmp_path / 'ellipse.json'))
    metric.dataset_meta = dict(classes=classes)
    assert metric.matched_categories['evaluated_categories'] == ['ellipse']
    assert metric.matched_categories['ignored_classes'] == ['rectangle']
    cat_ids = metric._coco_api.get_cat_ids(cat_names=list(classes))
    assert len(cat_ids) == 2 and metric._coco_api.load_cats(cat_ids[1])[0]['name'] == 'ellipse'

    metric = subset_metric(full)
    with pytest.raises(DatasetError) as err:
        metric.dataset_meta = dict(classes=('rectangle', 'triangle'))
    assert 'ellipse' in str(err.value) and 'metainfo.classes' in str(err.value)


def test_mmdet_own_test_py_evaluates_a_file_with_one_of_the_classes(tmp_path):
    """MMDetection's own tools/test.py, toy 2-class detector, a file keeping only 'ellipse'
    (the second class, so label i != the file's i-th category) as both the dataset's and the
    evaluator's ann_file: CocoMetric stopped with IndexError here; the shipped evaluator
    evaluates 'ellipse', says so in the log and reports it in the metrics."""
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=1, n_val=2)
    ann = keep_one_category(tmp_path / 'data' / 'toy' / 'annotations' / 'instances_val.json',
                            'ellipse', tmp_path / 'ellipse_only.json')
    ckpt = untrained_checkpoint(TOY_DET, tmp_path / 'untrained.pth')
    proc = subprocess.run(
        [sys.executable, str(upstream_tool('mmdet', 'test.py')), str(TOY_DET), str(ckpt),
         '--work-dir', str(tmp_path / 'work'), '--cfg-options', f'test_evaluator.ann_file={ann}',
         f'test_dataloader.dataset.ann_file={ann}', 'model.test_cfg.rcnn.score_thr=0.0'],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'IndexError' not in log
    assert 'lists 1 of the model\'s classes (ellipse)' in log and 'matched by name' in log
    scalars = [json.loads(line) for p in (tmp_path / 'work').rglob('*.json')
               for line in p.read_text().splitlines() if 'coco/bbox_mAP' in line]
    assert scalars, log[-3000:]
    assert scalars[-1]['coco/categories']['evaluated_categories'] == ['ellipse']
    assert scalars[-1]['coco/categories']['ignored_classes'] == ['rectangle']


def upstream_dist_train(package, config, cwd, *options, epochs=1, resume=False):
    """``python -m torch.distributed.run --nproc_per_node 2 <package>/.mim/tools/train.py
    CONFIG --launcher pytorch [--resume]`` on this GPU-less machine, one thread per process."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
         '--master_port', str(free_port()), str(upstream_tool(package, 'train.py')),
         str(config), '--work-dir', str(cwd / 'work'), '--launcher', 'pytorch',
         *(['--resume'] if resume else []), '--cfg-options', f'train_cfg.max_epochs={epochs}',
         'train_cfg.val_interval=100', *options],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Found no NVIDIA driver' not in log
    assert "'backend': 'gloo'" in log and 'Distributed training: True' in log, log[-3000:]
    assert (cwd / 'work' / f'epoch_{epochs}.pth').exists()
    return log


@pytest.mark.slow
def test_mmdet_own_train_py_two_cpu_processes(tmp_path):
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=4, n_val=1)
    upstream_dist_train('mmdet', TOY_DET, tmp_path, 'train_dataloader.batch_size=2')


@pytest.mark.slow
def test_mmaction_own_train_py_two_cpu_processes_and_resume(tmp_path):
    """Trains an epoch, then ``--resume`` continues from MMEngine's own checkpoint (saved by
    rank 0, loaded by both through the package's safe-load allow-list)."""
    from uniformer_dense.toy_data import make_toy_videos
    make_toy_videos(tmp_path / 'data' / 'toy' / 'video', n_train=4, n_val=2, num_frames=8)
    upstream_dist_train('mmaction', TOY_VIDEO, tmp_path, 'train_dataloader.batch_size=2')
    log = upstream_dist_train('mmaction', TOY_VIDEO, tmp_path, 'train_dataloader.batch_size=2',
                              epochs=2, resume=True)
    assert 'resumed epoch: 1' in log, log[-3000:]
