"""ImageNet files into the classifiers: the containers the authors' files come in, a
token-labeling file into a plain classifier, another class count, a light file into a
non-light classifier."""
import pytest
import torch

from reference import authors_classifier_state as authors_state
from uniformer_dense.checkpoint import CheckpointError, load_backbone_checkpoint
from uniformer_dense.models import create_classifier


@pytest.mark.parametrize('container', ['model', 'model_ema', 'state_dict', 'state_dict_ema'])
def test_the_file_loads_whichever_key_holds_the_weights(container, tmp_path):
    state = authors_state('uniformer_xxs_in1k')
    path = tmp_path / 'xxs.pth'
    torch.save({container: state, 'epoch': 599}, path)
    model = create_classifier('uniformer_xxs_in1k')
    report = load_backbone_checkpoint(model, str(path))
    assert report.complete and report.loaded == len(state)
    for key, value in state.items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_trained_weights_before_the_ema_copy(tmp_path):
    state = authors_state('uniformer_xxs_in1k')
    ema = {k: v + 1 if v.is_floating_point() else v for k, v in state.items()}
    path = tmp_path / 'both.pth'
    torch.save({'model_ema': ema, 'model': state}, path)
    model = create_classifier('uniformer_xxs_in1k')
    load_backbone_checkpoint(model, str(path))
    torch.testing.assert_close(model.head.weight, state['head.weight'])


def test_token_labeling_file_into_a_plain_classifier_drops_the_aux_head(tmp_path, caplog):
    state = authors_state('uniformer_small_dim64_tl')  # head dim 64: the plain S's network
    path = tmp_path / 'tl.pth'
    torch.save({'model': state}, path)
    model = create_classifier('uniformer_small_in1k')
    report = load_backbone_checkpoint(model, str(path))
    assert report.dropped == ['aux_head.bias', 'aux_head.weight'] and report.complete
    assert 'Dropped 2 classifier keys: aux_head.bias, aux_head.weight' in str(report)
    torch.testing.assert_close(model.head.weight, state['head.weight'])


def test_another_class_count_is_refused_or_replaced_on_request(tmp_path):
    state = authors_state('uniformer_xxs_in1k')
    path = tmp_path / 'xxs.pth'
    torch.save({'model': state}, path)
    model = create_classifier('uniformer_xxs_in1k', num_classes=10)
    with pytest.raises(CheckpointError) as err:
        load_backbone_checkpoint(model, str(path))
    message = str(err.value)
    assert 'head.weight has 1000 classes in the file and 10 in the model' in message
    assert 'num_classes=1000' in message and 'replace_head=True' in message
    fresh = model.head.weight.clone()
    report = load_backbone_checkpoint(model, str(path), replace_head=True)
    assert 'New classifier head (10 classes; the file has 1000)' in str(report)
    assert torch.equal(model.head.weight, fresh)  # initialised, not loaded
    torch.testing.assert_close(model.blocks3[1].attn.qkv.weight, state['blocks3.1.attn.qkv.weight'])


def test_light_file_into_a_non_light_classifier_names_both(tmp_path):
    path = tmp_path / 'xs.pth'
    torch.save({'model': authors_state('uniformer_xs_in1k')}, path)
    with pytest.raises(CheckpointError) as err:
        load_backbone_checkpoint(create_classifier('uniformer_small_in1k'), str(path))
    message = str(err.value)
    assert "variant 'uniformer_s'" in message
    assert "light model's file" in message and "'uniformer_xs_in1k'" in message
