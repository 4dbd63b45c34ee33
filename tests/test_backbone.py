"""The backbone against the authors' parameter layouts and golden outputs, and its options."""
import pytest
import torch

from reference import (LAYOUT_VARIANTS, REFERENCE, golden_files, golden_input, golden_probe,
                       load_golden, load_layout, synthetic_state_dict)
from uniformer_dense.models import (ARCH_SETTINGS, IMAGE_VARIANTS, VIDEO_VARIANTS, UniFormer,
                                    UniFormerVideo, create_backbone)
from uniformer_dense.models.uniformer import LIGHT_VARIANTS, ConvDownsample, ConvStem


@pytest.mark.parametrize('name', LAYOUT_VARIANTS)
def test_state_dict_layout_and_params_equal_reference(name):
    layout = load_layout(name)
    model = create_backbone(name)
    got = [[k, list(v.shape), str(v.dtype).replace('torch.', '')]
           for k, v in model.state_dict().items()]
    assert got == layout['state_dict']
    assert sum(p.numel() for p in model.parameters()) == layout['params']


@pytest.mark.parametrize('golden_path', golden_files() or [REFERENCE / 'uniformer_golden'],
                         ids=lambda p: p.name.split('.')[0])
def test_outputs_match_authors_implementation(golden_path):
    golden = load_golden(golden_path)
    name = golden['variant']
    model = create_backbone(name).eval()
    model.load_state_dict(synthetic_state_dict(load_layout(name)), strict=True)
    for size, expected in golden['outputs'].items():
        h, w = map(int, size.split('x'))
        with torch.no_grad():
            outs = model(golden_input(h, w))
        assert len(outs) == len(expected) == 4
        for i, (out, ref) in enumerate(zip(outs, expected)):
            assert list(out.shape) == ref['shape'], (name, size, i)
            dot, index = golden_probe(out, i)
            assert index.tolist() == ref['sample_index']
            assert dot == pytest.approx(ref['dot'], rel=1e-4, abs=1e-3), (name, size, i)
            samples = out.flatten()[index]
            torch.testing.assert_close(samples, torch.tensor(ref['samples']), rtol=0, atol=1e-4)
            assert out.mean().item() == pytest.approx(ref['mean'], abs=1e-4)
            assert out.std().item() == pytest.approx(ref['std'], rel=1e-4)


@pytest.mark.parametrize('name', ['uniformer_s_h14', 'uniformer_s_w32', 'uniformer_xxs'])
@pytest.mark.parametrize('hw', [(97, 131), (64, 64), (33, 190)])
def test_any_input_size_gives_strides_4_to_32(name, hw):
    model = create_backbone(name, stage3_attention=None, window_size=7 if 'xx' not in name else None)
    model.eval()
    h, w = hw
    with torch.no_grad():
        outs = model(torch.randn(1, 3, h, w))
    assert [o.shape[1] for o in outs] == list(model.embed_dims)
    for i, o in enumerate(outs):
        stride = 4 * 2 ** i
        assert abs(o.shape[2] - h / stride) < 1 and abs(o.shape[3] - w / stride) < 1
        assert torch.isfinite(o).all()


def test_window_attention_pads_and_crops_consistently():
    """A map that is already a multiple of the window must equal its padded twin's crop
    only through the attention pattern; here we check window == global when one window
    covers the whole unpadded map (the padding is what makes them differ otherwise)."""
    torch.manual_seed(0)
    win = create_backbone('uniformer_s_w32', out_indices=(2,)).eval()
    glob = create_backbone('uniformer_s', out_indices=(2,)).eval()
    glob.load_state_dict(win.state_dict())
    x = torch.randn(1, 3, 512, 512)  # stage 3 is 32x32: one window, no padding
    with torch.no_grad():
        torch.testing.assert_close(win(x)[0], glob(x)[0], rtol=1e-4, atol=1e-4)
        y = torch.randn(1, 3, 480, 480)  # 30x30: padded to 32 with zeros, which attend
        assert not torch.allclose(win(y)[0], glob(y)[0], atol=1e-3)


def test_out_indices_selects_maps():
    model = create_backbone('uniformer_xxs', out_indices=(1, 3)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 96))
    assert [o.shape[1] for o in outs] == [112, 448]
    assert model.out_channels == [112, 448]


@pytest.mark.parametrize('name,option', [('uniformer_s_h14', dict(with_cp=True)),
                                         ('uniformer_s_h14', dict(checkpoint_num=(1, 2, 8, 0))),
                                         ('uniformer_xxs', dict(with_cp=True))])
def test_gradient_checkpointing_matches_plain(name, option):
    torch.manual_seed(0)
    plain = create_backbone(name)
    ckpt = create_backbone(name, **option)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 96, 64)
    grads = []
    for model in (plain, ckpt):
        model.train()
        model.zero_grad()
        outs = model(x)
        sum((o * (i + 1)).sum() for i, o in enumerate(outs)).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
        grads[-1]['_outs'] = torch.cat([o.flatten() for o in outs]).detach()
    assert grads[0].keys() == grads[1].keys()
    for k in grads[0]:
        torch.testing.assert_close(grads[1][k], grads[0][k], rtol=1e-4, atol=1e-5, msg=k)


def _stage_prefixes(stages):
    out = ['patch_embed1.']
    for s in range(1, stages + 1):
        out += [f'patch_embed{s}.', f'blocks{s}.', f'norm{s}.']
    return tuple(out)


@pytest.mark.parametrize('name,frozen', [('uniformer_s', 2), ('uniformer_xxs', 3), ('uniformer_s', 0)])
def test_frozen_stages_get_no_gradient_and_keep_statistics(name, frozen):
    torch.manual_seed(0)
    model = create_backbone(name, frozen_stages=frozen)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    outs = model(torch.randn(2, 3, 64, 64) * 3 + 1)
    sum(o.pow(2).mean() for o in outs).backward()
    opt.step()
    frozen_prefixes = _stage_prefixes(frozen)
    after = model.state_dict()
    changed_trainable = 0
    for k, v in after.items():
        if k.startswith(frozen_prefixes):
            torch.testing.assert_close(v, before[k], rtol=0, atol=0, msg=k)
        elif not torch.equal(v, before[k]):
            changed_trainable += 1
    for n, p in model.named_parameters():
        if n.startswith(frozen_prefixes):
            assert not p.requires_grad and p.grad is None, n
    assert changed_trainable > 0
    # BatchNorm of a frozen stage stays in eval mode after model.train()
    if frozen >= 1:
        assert not model.blocks1[0].norm1.training
        assert model.blocks1[0].norm1.running_mean is not None


def test_norm_eval_freezes_batchnorm_statistics():
    model = create_backbone('uniformer_s', norm_eval=True).train()
    before = model.blocks2[0].norm1.running_mean.clone()
    model(torch.randn(2, 3, 64, 64) * 5 + 2)
    torch.testing.assert_close(model.blocks2[0].norm1.running_mean, before, rtol=0, atol=0)
    plain = create_backbone('uniformer_s').train()
    plain(torch.randn(2, 3, 64, 64) * 5 + 2)
    assert not torch.equal(plain.blocks2[0].norm1.running_mean, before * 0)


def test_drop_path_is_stochastic_in_training_only():
    model = create_backbone('uniformer_xxs', drop_path_rate=0.5)
    x = torch.randn(2, 3, 64, 64)
    model.train()
    torch.manual_seed(1)
    a = model(x)[3]
    torch.manual_seed(2)
    b = model(x)[3]
    assert not torch.allclose(a, b)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x)[3], model(x)[3])


@pytest.mark.parametrize('kwargs,words', [
    (dict(variant='uniformer_m'), ['uniformer_m', 'uniformer_s_h14']),
    (dict(variant='uniformer_s_h14', window_size=0), ['window_size=0', '>= 1']),
    (dict(variant='uniformer_s', out_indices=(0, 4)), ['out_indices=(0, 4)', '0', '3']),
    (dict(variant='uniformer_s', frozen_stages=5), ['frozen_stages=5', '-1']),
    (dict(variant='uniformer_xxs', stage3_attention='global'), ['light']),
    (dict(variant='uniformer_s', checkpoint_num=(0, 0, 9, 0)), ['checkpoint_num']),
])
def test_bad_arguments_name_value_and_choices(kwargs, words):
    with pytest.raises(ValueError) as err:
        UniFormer(**kwargs)
    for word in words:
        assert word in str(err.value)


def test_every_variant_row_carries_every_property_the_code_branches_on():
    """The architecture branches on these properties of a variant's row, never on its name."""
    keys = {'depths', 'embed_dims', 'head_dim', 'mlp_ratio', 'conv_stem', 'conv_downsample',
            'layer_scale', 'local_layer_scale', 'stage3_attention', 'window_size', 'light',
            'video'}
    for name, row in ARCH_SETTINGS.items():
        assert set(row) == keys, name
        assert row['light'] == (row['stage3_attention'] == 'light'), name
        assert (row['window_size'] is not None) == (row['stage3_attention'] in ('window', 'hybrid'))
    assert LIGHT_VARIANTS == ('uniformer_xxs', 'uniformer_xs')
    assert VIDEO_VARIANTS == ('uniformer_video_s', 'uniformer_video_b')
    assert IMAGE_VARIANTS + VIDEO_VARIANTS == tuple(ARCH_SETTINGS)


@pytest.mark.parametrize('name', list(ARCH_SETTINGS))
def test_every_model_is_built_as_its_row_says(name):
    row = ARCH_SETTINGS[name]
    model = create_backbone(name, depths=(1, 1, 4, 1))
    assert isinstance(model, UniFormerVideo) == row['video']
    assert model.light == row['light'] == hasattr(model, 'cls_token')
    assert isinstance(model.patch_embed1, ConvStem) == row['conv_stem']
    assert (model.blocks3[0].gamma_1 is None) == (row['layer_scale'] is None)
    assert (model.blocks1[0].gamma_1 is None) == (not row['local_layer_scale'])
    assert isinstance(model.patch_embed2, ConvDownsample) == row['conv_downsample']
    assert model.blocks3[0].attn.num_heads == row['embed_dims'][2] // row['head_dim']
    assert model.blocks1[0].mlp.fc1.out_channels == row['embed_dims'][0] * row['mlp_ratio']
    ws = row['window_size']
    windows = {'global': [None] * 4, 'light': [None] * 4, 'window': [ws] * 4,
               'hybrid': [ws, ws, ws, None]}[row['stage3_attention']]
    assert [blk.window_size for blk in model.blocks3] == windows


def test_a_row_not_a_name_makes_a_variant_light(monkeypatch):
    """Give 'uniformer_s' the XXS row (with layer scale): it builds the light model, and its
    stage-3 checks follow the row."""
    monkeypatch.setitem(ARCH_SETTINGS, 'uniformer_s',
                        dict(ARCH_SETTINGS['uniformer_xxs'], layer_scale=0.5))
    model = create_backbone('uniformer_s', depths=(1, 1, 2, 1))
    assert model.light and isinstance(model.patch_embed1, ConvStem)
    assert model.blocks3[1].gamma_3 is not None and model.blocks3[1].keep_ratio < 1
    model(torch.randn(1, 3, 64, 64))
    with pytest.raises(ValueError, match="does not fit variant 'uniformer_s'"):
        create_backbone('uniformer_s', stage3_attention='global')


def test_test_time_attention_applies_in_eval_only():
    """A global-trained model tested with window-32 attention: the papers' w32 rows."""
    torch.manual_seed(0)
    model = create_backbone('uniformer_s', test_stage3_attention='window', test_window_size=32,
                            out_indices=(2,))
    reference = create_backbone('uniformer_s_w32', out_indices=(2,)).eval()
    reference.load_state_dict(model.state_dict())
    x = torch.randn(1, 3, 480, 480)  # stage 3 is 30x30: window 32 pads, so they differ
    model.train()
    assert all(b.window_size is None for b in model.blocks3)
    model.eval()
    assert all(b.window_size == 32 for b in model.blocks3)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], reference(x)[0])
    model.train()
    assert all(b.window_size is None for b in model.blocks3)
    with pytest.raises(ValueError, match='test_window_size=0'):
        create_backbone('uniformer_s', test_stage3_attention='hybrid', test_window_size=0)


def test_channels_last_input_and_bf16_autocast():
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_h14', window_size=7).eval()
    x = torch.randn(1, 3, 160, 230)
    with torch.no_grad():
        ref = model(x)
        for a, b in zip(ref, model(x.contiguous(memory_format=torch.channels_last))):
            torch.testing.assert_close(b, a)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            low = model(x)
    for a, b in zip(ref, low):
        assert b.dtype == torch.bfloat16
        rel = (a - b.float()).abs().mean() / a.abs().mean()
        assert rel < 0.05, rel  # bf16 rounding only: AMP-safe, no overflow or NaN


@pytest.mark.slow
def test_torch_compile_gives_the_same_outputs():
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_h14', window_size=7).eval()
    x = torch.randn(1, 3, 160, 230)
    with torch.no_grad():
        ref = model(x)
        out = torch.compile(model)(x)
    for a, b in zip(ref, out):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-4)


def test_every_trainable_parameter_gets_a_gradient_with_fewer_outputs():
    """DistributedDataParallel stops when a trainable parameter gets no gradient: the output
    norms of stages a model does not read (top-down pose: out_indices=(3,)) are kept for the
    checkpoint layout but not trainable."""
    model = create_backbone('uniformer_xxs', depths=(1, 1, 2, 1), out_indices=(3,)).train()
    model(torch.randn(1, 3, 64, 64))[-1].mean().backward()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {n for n, p in model.named_parameters() if p.grad is not None} == trainable
    assert not any(n.startswith(('norm1.', 'norm2.', 'norm3.')) for n in trainable)
    assert {'norm4.weight', 'norm4.bias'} <= trainable
    assert 'norm1.weight' in model.state_dict()  # the layout keeps them
