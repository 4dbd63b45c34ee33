"""ONNX export: onnxruntime must give PyTorch's numbers, with both exporters.

Reduced depths (one block per stage; two in the light models' stage 3, whose first and last
blocks differ) cover every stage-3 attention kind in seconds; small windows make small
inputs hold several windows (with padding) in stage 3.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import COCO_MINI, require_module, require_shared

require_module('onnxruntime')
require_module('onnx')

from uniformer_dense import export  # noqa: E402
from uniformer_dense.models import create_backbone  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-4

# One reduced model per stage-3 attention kind: (variant, overrides).
KINDS = {
    'global': ('uniformer_s', dict(depths=(1, 1, 1, 1))),
    'window': ('uniformer_s_w32', dict(depths=(1, 1, 1, 1), window_size=4)),
    'hybrid': ('uniformer_s_h14', dict(depths=(1, 1, 4, 1), window_size=4)),
    'light': ('uniformer_xxs', dict(depths=(1, 1, 2, 1))),
}
SIZE = (160, 128)  # stage 3 (stride 16): 10x8 tokens, 3x2 windows of 4 with padding
OTHER = export.other_size((1, 3) + SIZE)[2:]  # odd, not a multiple of the windows


def _backbone(kind):
    torch.manual_seed(0)
    variant, overrides = KINDS[kind]
    return create_backbone(variant, **overrides).eval()


def _check(model, data, sizes):
    sess = export.session(data)
    for size in sizes:
        errors = export.compare(model, sess, torch.randn(1, 3, *size))
        assert max(errors) <= RTOL, (size, errors)


# torch.export takes 12-25 s per model on 2 cores: the hybrid model (windows with padding
# plus a global block) runs by default, the other kinds with -m slow.
DYNAMO_SLOW = pytest.param(True, id='dynamo', marks=pytest.mark.slow)


@pytest.mark.parametrize('kind,dynamo', [
    *[(kind, False) for kind in KINDS],
    ('hybrid', True),
    *[pytest.param(kind, True, id=f'{kind}-dynamo', marks=pytest.mark.slow)
      for kind in KINDS if kind != 'hybrid']])
def test_backbone_dynamic_export_matches_torch(kind, dynamo):
    """Exported inside no_grad (as users do) with symbolic H, W: right at the export size
    and at an odd size with other padding."""
    model = _backbone(kind)
    data = export.export(model, torch.randn(1, 3, *SIZE), dynamo=dynamo, dynamic=True)
    _check(model, data, [SIZE, OTHER])


@pytest.mark.parametrize('dynamo', [False, DYNAMO_SLOW])
def test_full_depth_h14_static_export(dynamo):
    """The issue's case: UniFormer-S h14 (every block, window 14) exported at a fixed size
    inside no_grad; before the fix the TorchScript exporter dropped the in-place banded
    MLPs of stages 1-2 (max abs differences of 1 to 7)."""
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_h14').eval()
    data = export.export(model, torch.randn(1, 3, 224, 224), dynamo=dynamo)
    _check(model, data, [(224, 224)])


@pytest.mark.parametrize('dynamo', [False, DYNAMO_SLOW])
def test_export_with_autograd_on(dynamo):
    model = _backbone('hybrid')
    data = export.export(model, torch.randn(1, 3, *SIZE), dynamo=dynamo, grad=True)
    _check(model, data, [SIZE])


@pytest.mark.parametrize('dynamo', [False, DYNAMO_SLOW])
def test_video_backbone_export(dynamo):
    torch.manual_seed(0)
    model = create_backbone('uniformer_video_s', depths=(1, 1, 1, 1)).eval()
    clip = torch.randn(1, 3, 4, 64, 96)
    data = export.export(model, clip, dynamo=dynamo, dynamic=True)
    sess = export.session(data)
    for size in [tuple(clip.shape), (1, 3, 4, 83, 131)]:
        assert max(export.compare(model, sess, torch.randn(size))) <= RTOL


def _real_image(cfg, size):
    """A coco_mini photo resized to ``size`` (H, W), normalised as the config's
    data preprocessor does."""
    cv2 = require_module('cv2')
    path = require_shared(COCO_MINI / '000000000785.jpg')
    img = cv2.imread(str(path))  # BGR
    img = cv2.resize(img, size[::-1], interpolation=cv2.INTER_LINEAR).astype(np.float32)
    pre = cfg.model.data_preprocessor
    if pre.get('bgr_to_rgb') or pre.get('rgb_to_bgr'):
        img = img[..., ::-1]
    img = (img - np.array(pre['mean'], np.float32)) / np.array(pre['std'], np.float32)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None]


def test_segmentation_model_end_to_end_on_real_image():
    from uniformer_dense.harness import load_config
    cfg = load_config(str(ROOT / 'configs/toy/fpn_uniformer_xxs_toy.py'))
    torch.manual_seed(0)
    module, task = export.tensor_model(cfg, None)
    assert (task, module.part) == ('seg', 'model')
    x = _real_image(cfg, (128, 160))
    sess = export.session(export.export(module, x))  # TorchScript, no_grad: the case
    with torch.no_grad():
        ref = module(x).numpy()
    got = sess.run(None, {'input': x.numpy()})[0]
    assert np.abs(got - ref).max() / np.abs(ref).max() <= RTOL
    assert (got.argmax(1) == ref.argmax(1)).all()  # every pixel's class agrees


def test_pose_model_end_to_end_on_real_image():
    from uniformer_dense.harness import load_config
    cfg = load_config(str(ROOT / 'configs/toy/topdown_heatmap_uniformer_s_toy.py'),
                      cfg_options={'model.backbone.depths': (1, 1, 1, 1)})
    torch.manual_seed(0)
    module, task = export.tensor_model(cfg, None)
    assert (task, module.part) == ('pose', 'model')
    x = _real_image(cfg, (64, 64))
    sess = export.session(export.export(module, x))
    assert max(export.compare(module, sess, x)) <= RTOL


def _tool_main():
    import importlib.util
    spec = importlib.util.spec_from_file_location('export_onnx', ROOT / 'tools/export_onnx.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_tool_exports_backbone_and_reports(tmp_path, capsys):
    main = _tool_main()
    out = tmp_path / 'backbone.onnx'
    rc = main([str(ROOT / 'configs/toy/fpn_uniformer_xxs_toy.py'), 'none', str(out),
               '--shape', '128', '160', '--dynamic', '--backbone-only'])
    assert rc == 0 and out.is_file()
    report = json.loads(capsys.readouterr().out)
    assert report['part'] == 'backbone' and len(report['checks']) == 2
    assert all(c['max_rel_diff'] <= RTOL for c in report['checks'])


def test_tool_refuses_dynamic_whole_model(tmp_path, capsys):
    main = _tool_main()
    rc = main([str(ROOT / 'configs/toy/fpn_uniformer_xxs_toy.py'), 'none',
               str(tmp_path / 'm.onnx'), '--dynamic'])
    assert rc == 1 and '--backbone-only' in capsys.readouterr().err
