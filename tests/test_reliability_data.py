"""Faults tried for real: bad dataset paths and damaged data, in all three tasks.

Each test breaks a generated toy dataset the way real ones break and asserts the error
names the config key or file and says what to do, raised before the runner starts (or, for
label maps, when the damaged sample is loaded, also from inside a dataloader worker).
"""
import json

import numpy as np
import pytest
from PIL import Image

from tools_cli import REPO, run_tool
from uniformer_dense import harness
from uniformer_dense.datacheck import DatasetError

TOY = REPO / 'configs' / 'toy'
DET, SEG, POSE = (TOY / 'mask_rcnn_uniformer_xxs_toy.py', TOY / 'fpn_uniformer_xxs_toy.py',
                  TOY / 'topdown_heatmap_uniformer_s_toy.py')


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """Toy COCO (instances + keypoints) and ADE-style data under tmp_path/data/toy; the toy
    configs' relative data_root then resolves there."""
    from uniformer_dense.toy_data import make_ade_segmentation, make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=4, n_val=2, size=64)
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=4, n_val=2, size=64)
    monkeypatch.chdir(tmp_path)
    return tmp_path / 'data' / 'toy'


def _check(config, splits=('train', 'val'), **options):
    cfg = harness.load_config(str(config), options or None)
    harness.prepare_data(cfg, splits)
    return cfg


def test_intact_toy_data_passes_every_check(toy):
    for config in (DET, SEG, POSE):
        _check(config, ('train', 'val', 'test'))


@pytest.mark.parametrize('config,key', [
    (DET, 'train_dataloader.dataset.data_root'),
    (SEG, 'val_dataloader.dataset.data_root'),
    (POSE, 'train_dataloader.dataset.data_root'),
])
def test_dataset_path_that_does_not_exist(toy, config, key):
    with pytest.raises(DatasetError) as exc:
        _check(config, **{key: 'data/no_such_dataset/'})
    msg = str(exc.value)
    assert key in msg and 'data/no_such_dataset/' in msg and '--cfg-options' in msg


def test_dataset_path_error_through_tools_train(toy):
    proc = run_tool('train.py', SEG, '--work-dir', toy.parent / 'w', '--cfg-options',
                    'train_dataloader.dataset.data_root=data/elsewhere', cwd=toy.parents[1],
                    check=False)
    assert proc.returncode != 0
    assert "train_dataloader.dataset.data_root: directory 'data/elsewhere'" in proc.stderr
    assert not (toy.parent / 'w').exists() or not list((toy.parent / 'w').rglob('*.pth'))


def test_wrong_data_prefix_names_the_key(toy):
    with pytest.raises(DatasetError, match=r'train_dataloader.dataset.data_prefix.img: '
                                           r'directory .*train2017/'):
        _check(DET, **{'train_dataloader.dataset.data_prefix.img': 'train2017/'})


def test_missing_image_file(toy):
    (toy / 'train' / sorted(p.name for p in (toy / 'train').iterdir())[1]).unlink()
    for config in (DET, POSE):
        with pytest.raises(DatasetError) as exc:
            _check(config)
        msg = str(exc.value)
        assert '1 of the 4 images' in msg and 'missing under' in msg and '.png' in msg


def test_malformed_annotation_json(toy):
    ann = toy / 'annotations' / 'instances_val.json'
    ann.write_text(ann.read_text()[:-40])  # truncated, as by an interrupted copy
    with pytest.raises(DatasetError) as exc:
        _check(DET)
    msg = str(exc.value)
    assert 'val_dataloader.dataset.ann_file' in msg and str(ann.name) in msg
    assert 'not valid JSON' in msg and 'line' in msg


def _edit_coco(path, change):
    coco = json.loads(path.read_text())
    change(coco)
    path.write_text(json.dumps(coco))


def test_annotation_json_without_coco_structure(toy):
    _edit_coco(toy / 'annotations' / 'person_keypoints_train.json',
               lambda coco: coco.pop('annotations'))
    with pytest.raises(DatasetError, match=r"not a COCO annotation file: no list under "
                                           r"\['annotations'\]"):
        _check(POSE)


def test_annotation_referencing_a_missing_image(toy):
    _edit_coco(toy / 'annotations' / 'instances_train.json',
               lambda coco: coco['annotations'][0].update(image_id=9999))
    with pytest.raises(DatasetError, match=r'reference 1 image ids that are not in "images": '
                                           r'9999'):
        _check(DET)


def test_empty_annotation_set(toy):
    _edit_coco(toy / 'annotations' / 'instances_train.json',
               lambda coco: coco.update(annotations=[]))
    with pytest.raises(DatasetError, match=r'has 4 images and 0 annotations: nothing to train'):
        _check(DET)


def test_evaluator_annotation_file_missing(toy):
    with pytest.raises(DatasetError, match=r"val_evaluator.ann_file: 'data/toy/nope.json'"):
        _check(DET, **{'val_evaluator.ann_file': 'data/toy/nope.json'})


def test_pose_detection_file_missing(toy):
    with pytest.raises(DatasetError, match=r'test_dataloader.dataset.bbox_file.*bbox_file=None'):
        _check(POSE, ('test',), **{'test_dataloader.dataset.bbox_file': 'data/dets.json'})


def test_segmentation_image_without_label_map(toy):
    maps = sorted((toy / 'ade' / 'annotations' / 'training').iterdir())
    maps[2].unlink()
    with pytest.raises(DatasetError, match=rf'1 of 4 images .* have no label map: .*{maps[2].name}'):
        _check(SEG)


def _corrupt_label_map(toy, value=9):
    path = sorted((toy / 'ade' / 'annotations' / 'training').iterdir())[0]
    label = np.array(Image.open(path))
    label[:4, :4] = value  # 3 classes: after reduce_zero_label valid values are 0..2 and 255
    Image.fromarray(label).save(path)
    return path


def test_out_of_range_label_map_names_the_file(toy):
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    path = _corrupt_label_map(toy)
    cfg = _check(SEG)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    bad = [i for i in range(len(dataset))
           if dataset.get_data_info(i)['seg_map_path'].endswith(path.name)]
    with pytest.raises(DatasetError) as exc:
        dataset[bad[0]]
    msg = str(exc.value)
    assert path.name in msg and '[8]' in msg and '0..2' in msg and 'ignore index 255' in msg


@pytest.mark.slow
def test_out_of_range_label_map_through_a_dataloader_worker(toy):
    path = _corrupt_label_map(toy)
    proc = run_tool('train.py', SEG, '--work-dir', toy.parent / 'w', '--cfg-options',
                    'train_cfg.max_iters=2', 'train_dataloader.num_workers=1',
                    'train_dataloader.batch_size=4', cwd=toy.parents[1], check=False)
    assert proc.returncode != 0
    assert 'in DataLoader worker process 0' in proc.stderr
    assert f'Label map {str(path.relative_to(toy.parents[1]))!r}' in proc.stderr


def test_remote_storage_is_left_to_the_toolbox(toy):
    # s3:// / petrel paths are read by the toolbox's file backend; nothing local to check
    _check(DET, **{'train_dataloader.dataset.data_root': 's3://bucket/coco/'})
