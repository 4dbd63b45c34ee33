"""The video UniFormer against the authors' layouts and goldens: shapes, inflation, options.

The video network shares the image network's blocks (see uniformer_dense/models/uniformer.py);
these tests pin the 3D numerics to the authors' release and the 2D ones stay pinned by
test_backbone.py.
"""
import pytest
import torch

from reference import (REFERENCE, golden_probe, load_golden, load_layout, synthetic_state_dict,
                       synthetic_tensor)
from uniformer_dense.checkpoint import CheckpointError, load_backbone_checkpoint
from uniformer_dense.models import UniFormer, UniFormerVideo, create_backbone

VIDEO = 'uniformer_video'


def video_input(t, h, w):
    return torch.randn(1, 3, t, h, w, generator=torch.Generator().manual_seed(t * 1000000 + h * 1000 + w))


def check_against_golden(model, head, golden):
    """Both golden outputs: the map after ``norm`` and the logits of its T,H,W mean."""
    for size, expected in golden['golden'].items():
        t, h, w = map(int, size.split('x'))
        with torch.no_grad():
            feat = model(video_input(t, h, w))
        logits = feat.flatten(2).mean(-1) @ head['weight'].t() + head['bias']
        for i, (out, ref) in enumerate(zip((feat, logits), expected)):
            assert list(out.shape) == ref['shape'], (size, i)
            dot, index = golden_probe(out, i)
            assert index.tolist() == ref['sample_index']
            assert dot == pytest.approx(ref['dot'], rel=1e-4, abs=1e-3), (size, i)
            torch.testing.assert_close(out.flatten()[index], torch.tensor(ref['samples']),
                                       rtol=0, atol=1e-4)
            assert out.std().item() == pytest.approx(ref['std'], rel=1e-4)


@pytest.mark.parametrize('name', ['uniformer_video_s', 'uniformer_video_b'])
def test_state_dict_equals_authors_layout_without_head(name):
    layout = load_layout(name, VIDEO)
    model = create_backbone(name)
    assert isinstance(model, UniFormerVideo)
    got = [[k, list(v.shape), str(v.dtype).replace('torch.', '')]
           for k, v in model.state_dict().items()]
    assert got == [row for row in layout['state_dict'] if not row[0].startswith('head.')]
    head = sum(torch.Size(s).numel() for k, s, _ in layout['state_dict'] if k.startswith('head.'))
    assert sum(p.numel() for p in model.parameters()) + head == layout['params']


def test_outputs_match_authors_video_network():
    layout = load_layout('uniformer_video_s', VIDEO)
    golden = load_golden(REFERENCE / VIDEO / 'uniformer_video_s.golden.json')
    state = synthetic_state_dict(layout)
    head = {k.split('.')[1]: state.pop(k) for k in ('head.weight', 'head.bias')}
    model = create_backbone('uniformer_video_s').eval()
    model.load_state_dict(state, strict=True)
    check_against_golden(model, head, golden)


def test_imagenet_file_is_inflated_by_averaging_over_time(tmp_path):
    """The authors' inflation golden: a 2D ImageNet file through init_cfg gives their outputs,
    and the report names what was inflated, loaded and dropped."""
    state2d = synthetic_state_dict(load_layout('uniformer_small_in1k', 'imagenet_layout'))
    path = tmp_path / 'uniformer_small_in1k.pth'
    torch.save({'model': state2d}, path)
    model = UniFormerVideo(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    report = load_backbone_checkpoint(create_backbone('uniformer_video_s'), str(path))
    kernels = {k for k, v in model.state_dict().items() if v.dim() == 5}
    # 4 patch embeddings, 6 convolutions in each of 7 local blocks, 11 position convolutions
    assert set(report.inflated) == kernels and len(kernels) == 4 + 6 * 7 + 11
    assert report.dropped == ['head.bias', 'head.weight']
    assert report.complete and not report.missing and report.loaded == len(model.state_dict())
    assert 'Inflated 57 2D kernels' in str(report)
    stem = model.patch_embed1.proj.weight
    torch.testing.assert_close(stem, state2d['patch_embed1.proj.weight'].unsqueeze(2).expand_as(stem) / 3)
    head = {'weight': synthetic_tensor('head.weight', (400, 512), 'float32'),
            'bias': torch.zeros(400)}
    golden = load_golden(REFERENCE / VIDEO /
                         'uniformer_video_s_inflated_from_uniformer_small_in1k.golden.json')
    check_against_golden(model.eval(), head, golden)


def test_forward_shape_backward_and_any_size():
    torch.manual_seed(0)
    model = create_backbone('uniformer_video_s', drop_path_rate=0.1).train()
    x = torch.randn(2, 3, 8, 64, 96, requires_grad=True)
    out = model(x)
    assert out.shape == (2, 512, 4, 2, 3)
    out.pow(2).mean().backward()
    assert x.grad is not None and all(p.grad is not None for p in model.parameters())
    with torch.no_grad():
        odd = model.eval()(torch.randn(1, 3, 5, 70, 50))
    assert odd.shape == (1, 512, 3, 2, 1) and torch.isfinite(odd).all()


def test_gradient_checkpointing_matches_plain():
    torch.manual_seed(0)
    plain = create_backbone('uniformer_video_s')
    ckpt = create_backbone('uniformer_video_s', checkpoint_num=(1, 1, 4, 1))
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 4, 64, 64)
    grads = []
    for model in (plain, ckpt):
        model.train()
        (model(x) * torch.linspace(-1, 1, 512).view(1, -1, 1, 1, 1)).sum().backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for k in grads[0]:
        torch.testing.assert_close(grads[1][k], grads[0][k], rtol=1e-4, atol=1e-5, msg=k)


def test_frozen_stages_and_norm_eval():
    torch.manual_seed(0)
    model = create_backbone('uniformer_video_s', frozen_stages=4, norm_eval=True).train()
    assert not any(p.requires_grad for p in model.parameters())
    assert not model.norm.training and not model.blocks1[0].norm1.training
    model = create_backbone('uniformer_video_s', frozen_stages=1).train()
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen and all(n.startswith(('patch_embed1.', 'blocks1.')) for n in frozen)
    before = model.blocks1[0].norm1.running_mean.clone()
    model(torch.randn(1, 3, 4, 64, 64) * 3 + 1)
    assert torch.equal(model.blocks1[0].norm1.running_mean, before)
    assert model.blocks2[0].norm1.training


@pytest.mark.parametrize('kwargs,words', [
    (dict(variant='uniformer_s'), ["'uniformer_s'", 'image', "type='UniFormer'"]),
    (dict(out_indices=(0, 3)), ['out_indices=(0, 3)', 'norm']),
    (dict(stage3_attention='window'), ["'window'", 'global']),
    (dict(window_size=14), ['window_size=14', 'image-network']),
])
def test_bad_arguments_are_clear(kwargs, words):
    with pytest.raises(ValueError) as err:
        UniFormerVideo(**kwargs)
    for word in words:
        assert word in str(err.value)
    with pytest.raises(ValueError, match="type='UniFormerVideo'"):
        UniFormer(variant='uniformer_video_s')


def test_image_dense_checkpoint_given_to_video_network_is_refused(tmp_path):
    """A detection backbone (per-stage norms, 2D kernels) is not a video initialisation."""
    image = create_backbone('uniformer_s_h14')
    path = tmp_path / 'mask_rcnn.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in image.state_dict().items()}}, path)
    model = UniFormerVideo(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as err:
        model.init_weights()
    msg = str(err.value)
    assert str(path) in msg and 'norm1..norm4' in msg and 'ImageNet' in msg
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_video_checkpoint_given_to_image_network_is_refused(tmp_path):
    path = tmp_path / 'uniformer_small_k400_16x4.pth'  # the authors' SlowFast layout
    torch.save({'model_state': create_backbone('uniformer_video_s').state_dict()}, path)
    with pytest.raises(CheckpointError, match='UniFormerVideo'):
        load_backbone_checkpoint(create_backbone('uniformer_s'), str(path))
    report = load_backbone_checkpoint(create_backbone('uniformer_video_s'), str(path))
    assert report.complete and not report.inflated
