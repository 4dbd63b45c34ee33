"""One image through an ImageNet classifier: uniformer_dense.apis, tools/demo.py, MMPretrain's
own ImageClassificationInferencer, and tools/export_onnx.py (onnxruntime parity)."""
import json

import numpy as np
import pytest
import torch

from reference import COCO_MINI, authors_classifier_state, require_shared
from tools_cli import REPO, run_tool
from uniformer_dense import apis
from uniformer_dense.convert import convert_loaded
from uniformer_dense.models import create_classifier

CONFIG = REPO / 'configs' / 'cls' / 'uniformer_xxs_in1k_128.py'
IMAGE = '000000000785.jpg'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """The authors' XXS file (synthetic weights of its reference layout) converted for
    MMPretrain, as zoo://NAME or tools/convert_checkpoint.py --source imagenet make it."""
    state = authors_classifier_state('uniformer_xxs_in1k')
    path = tmp_path_factory.mktemp('cls') / 'uniformer_xxs_in1k_mmpretrain.pth'
    torch.save(convert_loaded({'model': state}, 'imagenet', src='authors'), path)
    return path, state


def test_apis_top5_are_imagenet_names_of_the_classifiers_own_scores(checkpoint):
    """The top-5 equals the softmax of create_classifier's output on the same input, named
    with MMPretrain's ImageNet class list; a BGR array gives what the path gives."""
    from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
    from test_cls_preprocessing import config_input
    path, state = checkpoint
    image = require_shared(COCO_MINI) / IMAGE
    model = apis.init_model(str(CONFIG), str(path))
    ranked = apis.top_k(model, apis.inference(model, image), 5)
    net = create_classifier('uniformer_xxs_in1k').eval()
    net.load_state_dict(state)
    with torch.no_grad():
        scores = net(config_input(model.cfg, image)[None]).softmax(-1)[0]
    values, indices = scores.topk(5)
    assert [name for name, _ in ranked] == [IMAGENET_CATEGORIES[i] for i in indices.tolist()]
    np.testing.assert_allclose([s for _, s in ranked], values.numpy(), rtol=1e-4, atol=1e-6)
    import mmcv
    from_array = apis.top_k(model, apis.inference(model, mmcv.imread(str(image))), 5)
    assert [n for n, _ in from_array] == [n for n, _ in ranked]
    with pytest.raises(FileNotFoundError, match='does not exist'):
        apis.inference(model, str(image) + '.missing')


def test_mmpretrains_own_inferencer_and_demo_tool_agree(checkpoint):
    from mmpretrain.apis import ImageClassificationInferencer

    import uniformer_dense  # noqa: F401  (registers the classifier)
    path, _ = checkpoint
    image = require_shared(COCO_MINI) / IMAGE
    # MMPretrain's inferencer builds its transforms in the current default scope: after
    # another toolbox's run in the same process (e.g. an MMPose test on this pytest worker)
    # that scope is 'mmpose' and ResizeEdge is not found; a user mixing toolboxes would name
    # the scope the same way
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        inferencer = ImageClassificationInferencer(model=str(CONFIG), pretrained=str(path))
        theirs = inferencer(str(image))[0]
    proc = run_tool('demo.py', image, '--model', CONFIG, '--checkpoint', path)
    lines = proc.stdout.strip().splitlines()  # MMEngine's log lines come first
    lines = lines[lines.index(f'top-5 classes of {image}:'):]
    assert len(lines) == 6
    score, name = lines[1].split('  ', 1)
    assert name == theirs['pred_class']
    assert float(score) == pytest.approx(theirs['pred_score'], abs=1e-4)


def test_classifier_exports_to_onnx_with_onnxruntime_parity(checkpoint, tmp_path):
    path, _ = checkpoint
    proc = run_tool('export_onnx.py', CONFIG, path, tmp_path / 'xxs.onnx')
    report = json.loads(proc.stdout[proc.stdout.index('{'):])
    assert report['ok'] and (tmp_path / 'xxs.onnx').stat().st_size > 1e6
    assert report['checks'][0]['input'] == [1, 3, 128, 128]
