"""The released ImageNet classifiers in timm: one model per network, one pretrained tag per
file of the model zoo, weights through the zoo, the authors' evaluation transform from the
pretrained config."""
import dataclasses
import math

import pytest
import torch

from http_server import FileServer
from reference import save_authors_classifier
from uniformer_dense import zoo
from uniformer_dense.models import UniFormerClassifier

import timm  # noqa: E402  (pinned in requirements/runtime.txt: its absence is a failure)
import uniformer_dense  # noqa: E402,F401  (registers the models)
from uniformer_dense.timm_models import timm_name  # noqa: E402

CLS_ENTRIES = [e for e in zoo.ENTRIES if e.task == 'cls']


def test_every_released_file_is_a_pretrained_tag():
    listed = timm.list_pretrained('uniformer*')
    assert sorted(listed) == sorted('.'.join(timm_name(e)) for e in CLS_ENTRIES)
    assert len(listed) == 22
    assert 'uniformer_small.tl_in1k_384' in listed and 'uniformer_xxs.in1k_128' in listed


@pytest.mark.parametrize('entry', CLS_ENTRIES, ids=lambda e: e.name)
def test_the_tag_picks_network_and_evaluation_transform(entry):
    model_name, tag = timm_name(entry)
    model = timm.create_model(f'{model_name}.{tag}', depths=(1, 1, 1, 1))
    assert isinstance(model, UniFormerClassifier) and model.arch_name == entry.arch
    cfg = model.pretrained_cfg
    assert cfg['input_size'] == (3, entry.input_size, entry.input_size)
    assert cfg['num_classes'] == 1000 and cfg['classifier'] == 'head'
    assert cfg['url'] == f'zoo://{entry.name}'
    data = timm.data.resolve_data_config({}, model=model)
    crop_pct = 0.9 if '_tl_' in entry.name else 0.875  # the authors' evaluation crops
    assert data['interpolation'] == 'bicubic' and data['crop_pct'] == crop_pct
    assert data['mean'] == (0.485, 0.456, 0.406) and data['std'] == (0.229, 0.224, 0.225)
    resize = timm.data.create_transform(**data).transforms[0]
    assert resize.size == math.floor(entry.input_size / crop_pct)  # short side: 256, 248 ...
    assert model.get_parameter(cfg['first_conv'] + '.weight').shape[1] == 3


def test_default_tag_is_the_224_px_plain_file():
    assert timm.create_model('uniformer_xxs').pretrained_cfg['input_size'] == (3, 224, 224)
    small = timm.create_model('uniformer_small', depths=(1, 1, 1, 1))
    assert small.kind == 'plain' and small.blocks3[0].attn.num_heads == 5  # head dim 64
    tl = timm.create_model('uniformer_small.tl_in1k', depths=(1, 1, 1, 1))
    assert tl.kind == 'token_labeling' and tl.blocks3[0].attn.num_heads == 10  # head dim 32


def test_pretrained_weights_come_through_the_zoo_and_num_classes_replaces_the_head(
        tmp_path, cache, monkeypatch):
    """pretrained=True downloads zoo://NAME (the authors' file, served over HTTP from this
    machine as the entry's only mirror) and loads every tensor; num_classes=N keeps a fresh
    N-class head (and class-token head) and loads the rest."""
    path, state = save_authors_classifier(tmp_path / 'uniformer_xxs_in1k.pth')
    name = 'uniformer_xxs_in1k_128'
    with FileServer(path.parent) as server:
        monkeypatch.setitem(zoo.WEIGHTS, name, dataclasses.replace(
            zoo.WEIGHTS[name], sources=(zoo.Mirror(server.url + path.name),)))
        model = timm.create_model('uniformer_xxs.in1k_128', pretrained=True)
        assert server.requests == [(path.name, None)]
    for key, value in state.items():
        torch.testing.assert_close(model.state_dict()[key], value)
    model = timm.create_model('uniformer_xxs.in1k_128', pretrained=True, num_classes=7)
    assert model.head.out_features == 7 and model.head_cls.out_features == 7
    torch.testing.assert_close(model.state_dict()['blocks3.1.attn.qkv.weight'],
                               state['blocks3.1.attn.qkv.weight'])
    with torch.no_grad():
        assert model.eval()(torch.randn(1, 3, 128, 128)).shape == (1, 7)


def test_num_classes_0_gives_the_pooled_features():
    """timm's way to embeddings: no head, (B, C) features, for every kind."""
    for name in ('uniformer_small.tl_in1k', 'uniformer_xxs.in1k'):
        model = timm.create_model(name, num_classes=0, depths=(1, 1, 2, 1))
        x = torch.randn(2, 3, 64, 64)
        for mode in (True, False):
            model.train(mode)
            with torch.no_grad():
                out = model(x)
            torch.testing.assert_close(out, model.forward_features(x).mean((2, 3)))
