"""``zoo://NAME`` loads the authors' formats directly, and timm reaches the zoo.

- The authors' SlowFast video file, served from 127.0.0.1 in their exact layout (synthetic
  weights by the reference recipe), loads as ``zoo://uniformer_video_s_16x4_k400`` into the
  real Recognizer3D of its config: the classifier re-indexed by class name from the authors'
  Kinetics-400 order to MMAction2's, with the two class lists fetched (SHA-256 pinned) from
  the same server; without the lists a backbone still loads and a whole-model load names the
  exact commands.
- The authors' MMDetection 2.x file (mmcv 1.x container) loads as ``zoo://`` into the
  detector of its config.
- ``timm.create_model(..., pretrained=True)`` takes the ImageNet file from the zoo, and
  ``checkpoint_path=`` an authors' ImageNet file loads through the timm-style filter.
"""
import dataclasses
import random
import shutil

import pytest
import torch

from http_server import FileServer
from reference import (SHARED, load_layout, require_module, require_shared,
                       synthetic_state_dict)
from tools_cli import REPO
from uniformer_dense import zoo
from uniformer_dense.analysis import build_model
from uniformer_dense.checkpoint import CheckpointError, check_model_checkpoint
from uniformer_dense.convert import class_permutation, read_class_list, read_class_lists
from uniformer_dense.harness import load_config
from uniformer_dense.models import create_backbone

VIDEO = 'uniformer_video_s_16x4_k400'
CONFIG = REPO / 'configs' / 'video' / f'{VIDEO}.py'
VIDEO_MINI = SHARED / 'data' / 'video_mini'
AUTHORS_K400 = VIDEO_MINI / 'kinetics_400_categories_authors.txt'
MMACTION_K400 = VIDEO_MINI / 'label_map_k400_mmaction2.txt'



@pytest.fixture(scope='module')
def authors_state():
    return synthetic_state_dict(load_layout('uniformer_video_s', 'uniformer_video'))


@pytest.fixture(scope='module')
def recognizer():
    return build_model(load_config(str(CONFIG)), init=False).eval()


@pytest.fixture
def served_video(tmp_path, authors_state, cache, monkeypatch):
    """The authors' file and (unless removed) the K400 class lists on a local mirror."""
    root = tmp_path / 'served'
    (root / 'class_lists').mkdir(parents=True)
    torch.save({'epoch': 110, 'model_state': authors_state, 'cfg': 'MODEL:\n  ARCH: uniformer\n',
                'optimizer_state': {'state': {}, 'param_groups': [{'lr': 1e-6, 'params': [0]}]}},
               root / f'{VIDEO}.pth')
    shutil.copy(require_shared(AUTHORS_K400), root / 'class_lists' / 'k400_authors.txt')
    shutil.copy(MMACTION_K400, root / 'class_lists' / 'k400_mmaction2.txt')
    with FileServer(root) as server:
        entry = zoo.WEIGHTS[VIDEO]
        monkeypatch.setitem(zoo.WEIGHTS, VIDEO, dataclasses.replace(
            entry, sources=(zoo.Mirror(server.url + f'{VIDEO}.pth'),)))
        monkeypatch.setenv('UNIFORMER_DENSE_MIRROR', server.url)  # for the class lists
        yield server, root


def _authors_rows():
    rows = [line.split('\t') for line in AUTHORS_K400.read_text().splitlines()]
    return {name: int(index) for name, index in rows}


def test_authors_video_file_converts_when_loaded_by_zoo_name(served_video, recognizer,
                                                             authors_state, cache):
    server, _ = served_video
    report = check_model_checkpoint(recognizer, f'zoo://{VIDEO}', config=str(CONFIG))
    assert report.complete and report.loaded == len(recognizer.state_dict())

    out = zoo.load(VIDEO)
    mmaction = MMACTION_K400.read_text().splitlines()
    assert list(out['meta']['dataset_meta']['classes']) == mmaction
    assert out['meta']['class_order_from'] == 'k400_authors.txt'
    assert out['meta']['source_format'] == 'slowfast'
    state = out['state_dict']
    for key, value in authors_state.items():
        if not key.startswith('head.'):
            assert torch.equal(state[f'backbone.{key}'], value), key
    authors = _authors_rows()
    for name in ('arm wrestling', 'riding a bike', "massaging person's head"):
        row = authors[name]
        assert torch.equal(state['cls_head.fc_cls.weight'][mmaction.index(name)],
                           authors_state['head.weight'][row])
    # the class lists came from the mirror, SHA-256 checked against the pinned ones
    for item in (*zoo.CLASS_LISTS['k400'][0], zoo.CLASS_LISTS['k400'][1]):
        assert zoo.sha256_of(cache / 'class_lists' / item.file_name) == item.sha256
    assert (f'class_lists/k400_authors.txt', None) in server.requests


def test_without_class_lists_backbone_loads_and_whole_model_names_the_commands(
        served_video, recognizer, authors_state, cache):
    server, root = served_video
    shutil.rmtree(root / 'class_lists')  # the lists cannot be had: 404 everywhere
    monkeypatch_lists = {k: v for k, v in zoo.CLASS_LISTS.items()}
    (authors,), mmaction = monkeypatch_lists['k400']
    zoo.CLASS_LISTS['k400'] = ((dataclasses.replace(authors, url=server.url + 'nowhere.txt'),),
                               dataclasses.replace(mmaction, url=server.url + 'nowhere.txt'))
    try:
        out = zoo.load(VIDEO)
        assert not any(k.startswith('cls_head.') for k in out['state_dict'])
        # a Something-Something config's backbone init from this file still works
        backbone = create_backbone('uniformer_video_s', init_cfg=dict(
            type='Pretrained', checkpoint=f'zoo://{VIDEO}'))
        backbone.init_weights()
        torch.testing.assert_close(backbone.state_dict()['blocks3.0.attn.qkv.weight'],
                                   authors_state['blocks3.0.attn.qkv.weight'])
        with pytest.raises(CheckpointError) as err:
            check_model_checkpoint(recognizer, f'zoo://{VIDEO}', config=str(CONFIG))
        msg = str(err.value)
        assert 'could not download the class list k400_authors.txt' in msg
        assert '`python tools/download.py --class-lists`' in msg
        assert (f'python tools/convert_checkpoint.py {cache / f"{VIDEO}.pth"} '
                f'{cache / f"{VIDEO}_mmaction2.pth"} --src-classes AUTHORS_LIST --dst-classes '
                f'MMACTION2_LIST --config configs/video/{VIDEO}.py\n') in msg
        assert f'AUTHORS_LIST from {server.url}nowhere.txt' in msg
        # asked for a partial load, the backbone loads and the classifier stays initial
        assert check_model_checkpoint(recognizer, f'zoo://{VIDEO}', allow_partial=True).missing
    finally:
        zoo.CLASS_LISTS.update(monkeypatch_lists)


def test_authors_kinetics600_order_from_two_indexed_files(tmp_path):
    """The authors' K600 order is split over 'common' and 'special' files, 'name index' per
    line (underscores for spaces); together they map onto MMAction2's names."""
    mmaction = read_class_list(require_shared(VIDEO_MINI / 'label_map_k600_mmaction2.txt'))
    order = list(range(600))
    random.Random(600).shuffle(order)  # the authors' index of each MMAction2 class
    rows = [f'{name.replace(" ", "_")} {order[i]}' for i, name in enumerate(mmaction)]
    (tmp_path / 'common.list').write_text('\n'.join(rows[:367]) + '\n')
    (tmp_path / 'special.list').write_text('\n'.join(rows[367:]))
    authors = read_class_lists([tmp_path / 'common.list', tmp_path / 'special.list'])
    assert len(authors) == 600 and authors[order[0]] == mmaction[0].replace(' ', '_')
    assert class_permutation(authors, mmaction) == order


def test_authors_mmdet2_file_loads_by_zoo_name(tmp_path, cache, monkeypatch):
    """The authors' Mask R-CNN file: mmcv 1.x container (meta with CLASSES, optimizer), keys
    unchanged in MMDetection 3.x."""
    name = 'mask_rcnn_uniformer_xxs'
    config = REPO / zoo.WEIGHTS[name].config
    root = tmp_path / 'served'
    root.mkdir()
    model = build_model(load_config(str(config)), init=False)
    state = model.state_dict()
    classes = tuple(f'class{i}' for i in range(80))
    torch.save({'meta': {'CLASSES': classes, 'mmcv_version': '1.3.8', 'epoch': 12,
                         'iter': 87960, 'config': 'model = dict(type="MaskRCNN")',
                         'hook_msgs': {'last_ckpt': '/work/epoch_12.pth'}},
                'state_dict': state,
                'optimizer': {'state': {}, 'param_groups': [
                    {'lr': 1e-4, 'betas': (0.9, 0.999), 'weight_decay': 0.05, 'params': [0]}]}},
               root / f'{name}.pth')
    with FileServer(root) as server:
        monkeypatch.setitem(zoo.WEIGHTS, name, dataclasses.replace(
            zoo.WEIGHTS[name], sources=(zoo.Mirror(server.url + f'{name}.pth'),)))
        out = zoo.load(name)
    assert out['meta']['dataset_meta']['classes'] == classes
    assert out['meta']['source_format'] == 'mmdet2' and 'optimizer' not in out
    assert out['state_dict'].keys() == state.keys()
    report = check_model_checkpoint(model, f'zoo://{name}')
    assert report.complete and report.loaded == len(model.state_dict())


# ---------------------------------------------------------------- timm
@pytest.fixture
def imagenet_xxs(tmp_path):
    state = synthetic_state_dict(load_layout('uniformer_xxs_in1k', 'imagenet_layout'))
    path = tmp_path / 'uniformer_xxs_in1k.pth'
    torch.save({'model': state}, path)  # the authors' layout: head.*, norm.*, no norm1..4
    return path, state


def test_timm_pretrained_takes_the_imagenet_file_from_the_zoo(imagenet_xxs, cache,
                                                              monkeypatch):
    timm = require_module('timm')
    path, state = imagenet_xxs
    with FileServer(path.parent) as server:
        monkeypatch.setitem(zoo.WEIGHTS, 'uniformer_xxs_in1k', dataclasses.replace(
            zoo.WEIGHTS['uniformer_xxs_in1k'], sources=(zoo.Mirror(server.url + path.name),)))
        model = timm.create_model('uniformer_xxs', pretrained=True, features_only=True)
        assert server.requests == [(path.name, None)]
    torch.testing.assert_close(model.blocks3[0].attn.qkv.weight, state['blocks3.0.attn.qkv.weight'])
    assert (cache / path.name).exists() and zoo.read_manifest()[path.name]['url'].endswith(
        path.name)
    features = model(torch.randn(1, 3, 64, 64))
    assert [f.shape[1] for f in features] == model.feature_info.channels()


def test_timm_checkpoint_path_loads_an_authors_imagenet_file(imagenet_xxs):
    timm = require_module('timm')
    path, state = imagenet_xxs
    fresh = timm.create_model('uniformer_xxs', features_only=True)
    model = timm.create_model('uniformer_xxs', features_only=True, checkpoint_path=str(path))
    torch.testing.assert_close(model.patch_embed2.proj.weight, state['patch_embed2.proj.weight'])
    # the output norms are not in a classification file: they keep their initial values
    torch.testing.assert_close(model.norm4.weight, fresh.norm4.weight)
    # what does not fit is still an error (here a stem of another width)
    other = path.with_name('other.pth')
    torch.save({'model': dict(state, **{'patch_embed2.proj.weight': torch.zeros(8, 56, 2, 2)})},
               other)
    with pytest.raises(RuntimeError, match='size mismatch for patch_embed2.proj.weight'):
        timm.create_model('uniformer_xxs', features_only=True, checkpoint_path=str(other))
