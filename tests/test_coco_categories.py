"""Evaluating a COCO file that lists only some of the model's classes
(:mod:`uniformer_dense.coco_categories`): matched by name, or stopped when it names classes
the config lacks."""
import json

import pytest
from mmengine.config import Config

from reference import COCO_MINI, require_shared
from tools_cli import REPO
from uniformer_dense.coco_categories import match_coco_categories
from uniformer_dense.datacheck import DatasetError


def test_coco_categories_the_config_lacks_stop_before_the_run(tmp_path):
    """A file naming categories outside the config's classes cannot be matched: the error
    names the file, its categories, the config's classes and the fix."""
    data = json.loads((require_shared(COCO_MINI) / 'test_coco.json').read_text())
    data['categories'] = [dict(data['categories'][0], name='pedestrian')]
    ann = tmp_path / 'pedestrians.json'
    ann.write_text(json.dumps(data))
    cfg = Config.fromfile(str(REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_xxs.py'))
    cfg.test_dataloader.dataset.update(data_root='', ann_file=str(ann))
    with pytest.raises(DatasetError) as err:
        match_coco_categories(cfg, str(tmp_path / 'work'))
    for words in (str(ann), 'pedestrian', 'person, bicycle', 'metainfo.classes'):
        assert words in str(err.value)
    # a subset is rewritten; the file's categories in the config's own order are not
    data['categories'] = [dict(id=1, name='person'), dict(id=2, name='bicycle')]
    ann.write_text(json.dumps(data))
    matched = match_coco_categories(cfg, str(tmp_path / 'work'))  # 78 classes absent
    assert matched['evaluated_categories'] == ['person', 'bicycle']
    assert cfg.test_dataloader.dataset.ann_file == matched['ann_file']
    cfg.test_dataloader.dataset.update(
        ann_file=str(ann), metainfo=dict(classes=('person', 'bicycle')))
    assert match_coco_categories(cfg, str(tmp_path / 'work')) is None
