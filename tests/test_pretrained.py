"""Loading the authors' ImageNet files (written here in their exact layout) into backbones."""
import pytest
import torch

from reference import load_layout, synthetic_state_dict
from uniformer_dense.checkpoint import CheckpointError, load_backbone_checkpoint
from uniformer_dense.models import UniFormer, create_backbone


def write_imagenet_file(tmp_path, name, wrap='model'):
    """A checkpoint as the authors released it: weights under ``model``, with the
    classifier ``head.*`` and the final BatchNorm ``norm.*``."""
    state = synthetic_state_dict(load_layout(name, 'imagenet_layout'))
    path = tmp_path / f'{name}.pth'
    torch.save({wrap: state} if wrap else state, path)
    return path, state


@pytest.mark.parametrize('wrap', ['model', 'state_dict', None])
def test_init_cfg_pretrained_loads_authors_imagenet_file(tmp_path, wrap):
    path, state = write_imagenet_file(tmp_path, 'uniformer_small_in1k', wrap)
    model = UniFormer(variant='uniformer_s_h14',
                      init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    own = model.state_dict()
    for k, v in state.items():
        if k.startswith(('head.', 'norm.')):
            assert k not in own
        else:
            torch.testing.assert_close(own[k], v, rtol=0, atol=0, msg=k)


def test_report_lists_dropped_and_fresh_keys(tmp_path):
    path, state = write_imagenet_file(tmp_path, 'uniformer_xxs_in1k')
    report = load_backbone_checkpoint(create_backbone('uniformer_xxs'), str(path))
    assert report.complete
    assert set(report.dropped) == {k for k in state if k.startswith(('head', 'norm.', 'norm_cls.'))}
    assert {k.split('.')[0] for k in report.fresh_output_norms} == {'norm1', 'norm2', 'norm3', 'norm4'}
    assert report.loaded == len(state) - len(report.dropped)
    assert 'head_cls.weight' in str(report)


def test_wrong_variant_is_an_error_naming_file_and_mismatch(tmp_path):
    path, _ = write_imagenet_file(tmp_path, 'uniformer_small_in1k')
    model = UniFormer(variant='uniformer_b_h14',
                      init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as err:
        model.init_weights()
    msg = str(err.value)
    assert str(path) in msg and 'uniformer_b_h14' in msg
    assert '(3, 4, 8, 3)' in msg and '(5, 8, 20, 7)' in msg
    assert 'blocks3.19.attn.qkv.weight' in msg or 'Missing' in msg
    # nothing was loaded
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_width_mismatch_reports_shapes_and_partial_load_on_request(tmp_path):
    path, state = write_imagenet_file(tmp_path, 'uniformer_xs_in1k')
    model = create_backbone('uniformer_xxs')
    with pytest.raises(CheckpointError, match='Shape mismatch for cls_token'):
        load_backbone_checkpoint(model, str(path))
    report = load_backbone_checkpoint(model, str(path), strict=False)
    assert report.mismatched and not report.complete
    assert any(k == 'patch_embed2.proj.weight' for k, _, _ in report.mismatched)


def test_layer_scale_file_needs_layer_scale_model(tmp_path):
    path, state = write_imagenet_file(tmp_path, 'uniformer_base_ls_in1k')
    with pytest.raises(CheckpointError, match='layer_scale'):
        load_backbone_checkpoint(create_backbone('uniformer_b'), str(path))
    model = create_backbone('uniformer_b', layer_scale=1e-6)
    report = load_backbone_checkpoint(model, str(path))
    assert report.complete and not report.unexpected
    torch.testing.assert_close(model.blocks3[0].gamma_1, state['blocks3.0.gamma_1'])


def test_whole_model_checkpoint_loads_backbone_prefix(tmp_path):
    src = create_backbone('uniformer_xxs')
    path = tmp_path / 'detector.pth'
    torch.save({'meta': {}, 'state_dict': {**{f'backbone.{k}': v for k, v in src.state_dict().items()},
                                           'neck.conv.weight': torch.zeros(3)}}, path)
    model = create_backbone('uniformer_xxs')
    report = load_backbone_checkpoint(model, str(path))
    assert report.complete and not report.fresh_output_norms
    for k, v in src.state_dict().items():
        assert torch.equal(model.state_dict()[k], v)


@pytest.mark.parametrize('damage', ['truncate', 'garbage', 'missing'])
def test_unreadable_file_names_the_file(tmp_path, damage):
    path, _ = write_imagenet_file(tmp_path, 'uniformer_xxs_in1k')
    if damage == 'truncate':
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == 'garbage':
        path.write_bytes(b'not a checkpoint' * 100)
    else:
        path = tmp_path / 'nope.pth'
    with pytest.raises(CheckpointError) as err:
        load_backbone_checkpoint(create_backbone('uniformer_xxs'), str(path))
    assert str(path) in str(err.value)
