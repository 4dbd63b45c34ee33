"""The ImageNet classifiers against the authors' classification networks: every parameter
layout of ../shared/reference/imagenet_cls exact, every golden output within the README's
tolerance, and what each kind returns in training."""
import json

import pytest
import torch

from reference import (REFERENCE, golden_input, golden_probe, require_shared,
                       synthetic_state_dict)
from reference import classifier_layout as cls_layout
from uniformer_dense.models import create_classifier
from uniformer_dense.models.classifier import CLASSIFIERS, UniFormerClassifier

CLS_REFERENCE = REFERENCE / 'imagenet_cls'


def golden_names():
    return sorted(p.name.split('.')[0] for p in CLS_REFERENCE.glob('*.golden.json')) or [
        'uniformer_small_in1k']


def test_the_table_names_every_reference_layout():
    files = sorted(p.name.split('.')[0] for p in require_shared(CLS_REFERENCE).glob(
        '*.layout.json'))
    assert files == sorted(CLASSIFIERS)


@pytest.mark.parametrize('name', sorted(CLASSIFIERS))
def test_state_dict_layout_and_params_equal_the_authors(name):
    layout = cls_layout(name)
    model = create_classifier(name)
    got = [[k, list(v.shape), str(v.dtype).replace('torch.', '')]
           for k, v in model.state_dict().items()]
    assert got == layout['state_dict']
    assert sum(p.numel() for p in model.parameters()) == layout['params']


@pytest.mark.parametrize('name', golden_names())
def test_outputs_match_the_authors_classifier(name):
    """Output 0: the map after the final BatchNorm; output 1: the eval prediction. Tolerances
    as the reference README states them, relative to each output's scale (the conv-stem S-plus
    models reach std ~6e4 with synthetic weights)."""
    golden = json.loads(require_shared(CLS_REFERENCE / f'{name}.golden.json').read_text())
    model = create_classifier(name).eval()
    model.load_state_dict(synthetic_state_dict(cls_layout(name)), strict=True)
    for size, expected in golden['golden'].items():
        h, w = map(int, size.split('x'))
        x = golden_input(h, w)
        with torch.no_grad():
            outs = (model.forward_features(x), model(x))
        for i, (out, ref) in enumerate(zip(outs, expected)):
            assert list(out.shape) == ref['shape'], (name, size, i)
            dot, index = golden_probe(out, i)
            assert index.tolist() == ref['sample_index']
            scale = max(abs(ref['dot']), ref['std'] * out.numel() ** 0.5)
            assert abs(dot - ref['dot']) <= 1e-4 * scale, (name, size, i, dot, ref['dot'])
            torch.testing.assert_close(out.flatten()[index].double(),
                                       torch.tensor(ref['samples'], dtype=torch.float64),
                                       rtol=0, atol=1e-4 * max(1., ref['std']))


@pytest.mark.parametrize('name', ['uniformer_small_tl', 'uniformer_xxs_in1k',
                                  'uniformer_small_plus_in1k'])
def test_training_mode_returns_what_the_loss_needs_and_any_size_works(name):
    model = create_classifier(name, num_classes=7, depths=(1, 1, 2, 1)).train()
    x = torch.randn(2, 3, 96, 160)  # not square, not the size the authors' model was built for
    out = model(x)
    if model.kind == 'token_labeling':
        logits, aux = out
        assert logits.shape == (2, 7) and aux.shape == (2, 3 * 5, 7)
    elif model.kind == 'light':
        logits, cls_logits = out
        assert logits.shape == cls_logits.shape == (2, 7)
    else:
        assert out.shape == (2, 7)
    model.eval()
    with torch.no_grad():
        assert model(x).shape == (2, 7)
        assert model.forward_features(x).shape == (2, model.embed_dims[-1], 3, 5)


def test_token_labeling_prediction_is_head_plus_half_the_max_of_the_token_head():
    model = create_classifier('uniformer_small_tl', num_classes=5, depths=(1, 1, 1, 1)).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feat = model.forward_features(x)
        tokens = feat.flatten(2).transpose(1, 2)
        expected = model.head(tokens.mean(1)) + 0.5 * model.aux_head(tokens).max(1)[0]
        torch.testing.assert_close(model(x), expected)


def test_unknown_name_lists_the_released_classifiers():
    with pytest.raises(ValueError, match='uniformer_large_ls_tl'):
        create_classifier('uniformer_huge')
    with pytest.raises(ValueError, match='return their last map only'):
        UniFormerClassifier(variant='uniformer_s', out_indices=(0, 1))
