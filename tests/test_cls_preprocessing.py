"""The classification configs' evaluation input equals the authors' evaluation transform on
a real image: their main.py / timm's (PIL bicubic resize of the short side to size /
crop_pct, centre crop, ImageNet mean / std), here computed by torchvision on PIL, against
MMPretrain's pipeline and data preprocessor as the configs set them up."""
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms

from reference import COCO_MINI, require_shared
from tools_cli import REPO
from uniformer_dense import zoo
from uniformer_dense.harness import load_config

IMAGES = ('000000000785.jpg', '000000196141.jpg')  # a landscape and a portrait COCO image
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def authors_eval_transform(size: int, crop_pct: float):
    """image_classification/datasets.py (eval) and timm's transform of the token-labeling
    models: Resize(int(size / crop_pct), bicubic) of the short side, CenterCrop(size)."""
    return transforms.Compose([
        transforms.Resize(math.floor(size / crop_pct),
                          interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(size), transforms.ToTensor()])


def config_input(cfg, path) -> torch.Tensor:
    """The tensor the config's model sees: test pipeline, then the data preprocessor."""
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    import uniformer_dense  # noqa: F401
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    data = pipeline(dict(img_path=str(path)))
    preprocessor = MODELS.build(dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    batch = preprocessor(dict(inputs=[data['inputs']], data_samples=[data['data_samples']]))
    return batch['inputs'][0]


@pytest.mark.parametrize('name', ['uniformer_small_in1k', 'uniformer_small_tl_in1k',
                                  'uniformer_small_tl_in1k_384', 'uniformer_xxs_in1k_128',
                                  'uniformer_xxs_in1k_160', 'uniformer_xs_in1k_192'])
def test_eval_input_equals_the_authors_transform_within_one_grey_level(name):
    entry = zoo.get_entry(name)
    cfg = load_config(str(REPO / entry.config))
    crop_pct = 0.9 if '_tl_' in name else 0.875
    for image in IMAGES:
        path = require_shared(COCO_MINI) / image
        ours = config_input(cfg, path)
        expected = authors_eval_transform(entry.input_size, crop_pct)(
            Image.open(path).convert('RGB'))
        assert ours.shape == expected.shape == (3, entry.input_size, entry.input_size)
        # back to [0, 1] pixel values: the configs normalise with the same mean / std
        pixels = ours * torch.tensor(STD)[:, None, None] + torch.tensor(MEAN)[:, None, None]
        diff = (pixels - expected).abs()
        assert diff.max().item() <= 1 / 255 + 1e-6, (name, image, diff.max().item())
        assert np.isclose(pixels.mean().item(), expected.mean().item(), atol=1e-3)
