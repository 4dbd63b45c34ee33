"""One real COCO image through each task's API and tools/demo.py: a PNG of the image's size
with the prediction drawn, from checkpoints that carry no meta (as the authors' do)."""
import cv2
import numpy as np
import pytest

from reference import COCO_MINI, require_shared
from tools_cli import REPO, run_tool, untrained_checkpoint
from uniformer_dense import apis

IMAGE = '000000000785.jpg'


def _changed(original_bgr, drawn_rgb):
    return (np.abs(drawn_rgb[..., ::-1].astype(int) - original_bgr.astype(int)).sum(-1) > 30).mean()


def test_demo_cli_detection_draws_boxes(tmp_path):
    image = require_shared(COCO_MINI) / IMAGE
    config = REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_xxs.py'
    ckpt = untrained_checkpoint(config, tmp_path / 'det.pth')
    out = tmp_path / 'det.png'
    # untrained scores are ~1/81: keep them all so something is drawn
    run_tool('demo.py', image, '--model', config, '--checkpoint', ckpt, '--out', out,
             '--score-thr', '0', '--cfg-options', 'model.test_cfg.rcnn.score_thr=0.0')
    original, drawn = cv2.imread(str(image)), cv2.imread(str(out))
    assert drawn.shape == original.shape
    assert _changed(original, drawn[..., ::-1]) > 0.01


@pytest.mark.parametrize('config', ['seg/fpn_uniformer_xxs.py',
                                    'pose/topdown_heatmap_uniformer_s_256x192.py'])
def test_api_segmentation_and_pose(tmp_path, config):
    image = require_shared(COCO_MINI) / IMAGE
    config = REPO / 'configs' / config
    ckpt = untrained_checkpoint(config, tmp_path / 'model.pth')
    model = apis.init_model(str(config), str(ckpt))
    # no meta in the checkpoint: class names come from the config's dataset
    if model.task == 'seg':
        assert len(model.dataset_meta['classes']) == 150
    else:
        assert model.dataset_meta['num_keypoints'] == 17
    result = apis.inference(model, str(image))
    out = tmp_path / 'out.png'
    drawn = apis.draw(model, str(image), result, out_file=str(out), score_thr=0.0)
    original = cv2.imread(str(image))
    assert drawn.shape == original.shape and cv2.imread(str(out)).shape == original.shape
    assert _changed(original, drawn) > (0.2 if model.task == 'seg' else 0.001)
    if model.task == 'pose':
        assert result.pred_instances.keypoints.shape == (1, 17, 2)


def test_unknown_model_name_says_what_to_do():
    with pytest.raises(FileNotFoundError, match='download.py --list'):
        apis.init_model('mask_rcnn_uniformer_huge')
