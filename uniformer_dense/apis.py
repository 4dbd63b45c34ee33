"""One image in, the toolbox's result out, drawn: for detection, segmentation and pose.

Thin layer over MMDetection's ``init_detector``/``inference_detector``, MMSegmentation's
``init_model``/``inference_model`` and MMPose's ``init_model``/``inference_topdown`` and
their visualisers; what it adds is loading by zoo name, class names from the config when a
checkpoint carries none (the authors' files have no ``meta``), and one call per step for
every task.

    model = init_model('configs/det/mask_rcnn_uniformer_s.py', 'ckpt.pth')   # or a zoo name
    result = inference(model, 'image.jpg')
    picture = draw(model, 'image.jpg', result, out_file='out.png')
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .harness import load_config, task_of

_names = itertools.count()


def _config_and_checkpoint(model: str, checkpoint: Optional[str]):
    from . import zoo
    if model in zoo.WEIGHTS:
        entry = zoo.get_entry(model)
        if entry.config is None:
            raise ValueError(f'{model!r} is a backbone, not a detector/segmentor/pose model.')
        return entry.config, checkpoint or str(zoo.resolve(model))
    if not Path(model).is_file():
        raise FileNotFoundError(f'{model!r} is neither a model-zoo name nor a config file; '
                                f'see `python tools/download.py --list`.')
    return model, checkpoint


def _dataset_meta(cfg) -> dict:
    """Class names (and palette / keypoint info) of the config's test dataset."""
    from .registry import toolbox_registry
    dataset = cfg.test_dataloader.dataset
    cls = toolbox_registry(cfg.default_scope, 'DATASETS').get(dataset.type)
    meta = dict(getattr(cls, 'METAINFO', {}))
    if dataset.get('metainfo'):
        meta.update(dataset.metainfo)
    return meta


def init_model(model: str, checkpoint: Optional[str] = None, device: str = 'cpu',
               cfg_options: Optional[dict] = None):
    """Build a model from a zoo name or config (+ checkpoint), ready for :func:`inference`."""
    import uniformer_dense  # noqa: F401  (registration)
    config, checkpoint = _config_and_checkpoint(model, checkpoint)
    cfg = load_config(config, cfg_options)
    task = task_of(cfg)
    if 'backbone' in cfg.model and checkpoint is not None:
        cfg.model.backbone.init_cfg = None  # the task checkpoint holds the backbone
    # Build without weights, then load them here: MMSegmentation's init_model indexes
    # checkpoint['meta'] unconditionally (KeyError on the authors' files) and MMDetection's
    # falls back to COCO class names; ours takes names from the checkpoint, else the config.
    from .registry import explain_unknown_types
    with explain_unknown_types():
        if task == 'det':
            from mmdet.apis import init_detector
            net = init_detector(cfg, None, device=device)
        elif task == 'seg':
            from mmseg.apis import init_model as init_segmentor
            net = init_segmentor(cfg, None, device=device)
        else:
            from mmpose.apis import init_model as init_pose
            net = init_pose(cfg, None, device=device)
    # MMPose's init_model already reads the keypoint metainfo from the config.
    meta = {} if task == 'pose' else _dataset_meta(cfg)
    if checkpoint is not None:
        from mmengine.runner import load_checkpoint
        ckpt = load_checkpoint(net, checkpoint, map_location='cpu')
        saved = (ckpt.get('meta') or {}).get('dataset_meta') or {}
        meta.update(saved)
    net.dataset_meta = {**(getattr(net, 'dataset_meta', None) or {}), **meta}
    net.cfg = cfg
    net.task = task
    return net


def _read_rgb(image: Union[str, np.ndarray]) -> np.ndarray:
    import mmcv
    if isinstance(image, (str, Path)):
        if not Path(image).is_file():
            raise FileNotFoundError(f'Image {image!r} does not exist.')
        return mmcv.imread(str(image), channel_order='rgb')
    return np.ascontiguousarray(image[..., ::-1])  # arrays are BGR, as in OpenCV/mmcv


def inference(model, image: Union[str, np.ndarray], bboxes: Optional[np.ndarray] = None,
              det_model=None, det_score_thr: float = 0.3):
    """Run one image (path, or BGR array). Pose uses ``bboxes`` (x1, y1, x2, y2), else the
    person boxes of ``det_model``, else the whole image as one person box."""
    image = str(image) if isinstance(image, Path) else image
    if model.task == 'det':
        from mmdet.apis import inference_detector
        return inference_detector(model, image)
    if model.task == 'seg':
        from mmseg.apis import inference_model
        return inference_model(model, image)
    from mmpose.apis import inference_topdown
    from mmpose.structures import merge_data_samples
    if bboxes is None and det_model is not None:
        det = inference(det_model, image).pred_instances
        keep = (det.labels == 0) & (det.scores > det_score_thr)  # COCO 'person'
        bboxes = det.bboxes[keep].cpu().numpy()
    if bboxes is None or len(bboxes) == 0:
        h, w = _read_rgb(image).shape[:2]
        bboxes = np.array([[0, 0, w, h]], dtype=np.float32)
    return merge_data_samples(inference_topdown(model, image, np.asarray(bboxes)))


def draw(model, image: Union[str, np.ndarray], result, out_file: Optional[str] = None,
         score_thr: float = 0.3, **kwargs) -> np.ndarray:
    """Draw ``result`` on ``image`` with the toolbox's visualiser; returns the RGB picture."""
    from .registry import toolbox_registry
    cfg = model.cfg
    vis_cfg = dict(cfg.visualizer, name=f'uniformer_dense_{model.task}_{next(_names)}')
    visualizer = toolbox_registry(cfg.default_scope, 'VISUALIZERS').build(vis_cfg)
    visualizer.dataset_meta = model.dataset_meta
    if model.task == 'det':
        kwargs.setdefault('pred_score_thr', score_thr)
    elif model.task == 'pose':
        kwargs.setdefault('kpt_thr', score_thr)
        kwargs.setdefault('draw_bbox', True)
    rgb = _read_rgb(image)
    visualizer.add_datasample('result', rgb, data_sample=result, draw_gt=False, show=False,
                              out_file=out_file, **kwargs)
    return visualizer.get_image()
