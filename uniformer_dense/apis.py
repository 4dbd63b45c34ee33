"""One image or video in, the toolbox's result out: classification, detection,
segmentation, pose, action.

Thin layer over MMPretrain's ``get_model`` and its classifiers' ``test_step``, MMDetection's ``init_detector``/``inference_detector``, MMSegmentation's
``init_model``/``inference_model``, MMPose's ``init_model``/``inference_topdown``, MMAction2's
``init_recognizer``/``inference_recognizer`` and their visualisers; what it adds is loading
by zoo name, class names from the config or a label file when a checkpoint carries none (the
authors' files have no ``meta``), and one call per step for every task.

    model = init_model('configs/det/mask_rcnn_uniformer_s.py', 'ckpt.pth')   # or a zoo name
    result = inference(model, 'image.jpg')
    picture = draw(model, 'image.jpg', result, out_file='out.png')

    model = init_model('configs/video/uniformer_video_s_16x4_k400.py', 'ckpt.pth',
                       label_file='label_map_k400.txt')  # names, if the checkpoint has none
    top_k(model, inference(model, 'video.mp4'))  # [(class name, score), ...] best first

    model = init_model('uniformer_small_in1k')      # an ImageNet classifier of the zoo
    top_k(model, inference(model, 'image.jpg'))     # ImageNet class names (MMPretrain's list)

    model = init_model('configs/long_video/lvu/stan_uniformer_s_frozen_scene.py', 'ckpt.pth')
    timeline = long_video_timeline(model, 'two_minutes.mp4')  # the video's and each part's
    draw_timeline(model, timeline, 'timeline.png')            # scores; segments x classes
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import List, Optional, Tuple, Union

import mmcv
import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from . import zoo
from .checkpoint import check_model_checkpoint
from .convert import read_class_list
from .harness import load_config, task_of
from .registry import explain_unknown_types, register_all, toolbox_registry

_names = itertools.count()


def _config_and_checkpoint(model: str, checkpoint: Optional[str]):
    if model in zoo.WEIGHTS:
        entry = zoo.get_entry(model)
        if entry.config is None:
            raise ValueError(f'{model!r} is a backbone, not a detector / segmentor / pose '
                             f'model / recogniser.')
        if entry.task == 'cls':  # the authors' ImageNet file, converted when loaded
            return entry.config, checkpoint or f'zoo://{model}'
        return entry.config, checkpoint or str(zoo.resolve(model))
    if not Path(model).is_file():
        raise FileNotFoundError(f'{model!r} is neither a model-zoo name nor a config file; '
                                f'see `python tools/download.py --list`.')
    return model, checkpoint


def _dataset_meta(cfg) -> dict:
    """Class names (and palette / keypoint info) of the config's test dataset."""
    dataset = cfg.test_dataloader.dataset
    cls = toolbox_registry(cfg.default_scope, 'DATASETS').get(dataset.type)
    meta = dict(getattr(cls, 'METAINFO', {}))
    if dataset.get('metainfo'):
        meta.update(dataset.metainfo)
    return meta


def init_model(model: str, checkpoint: Optional[str] = None, device: str = 'cpu',
               cfg_options: Optional[dict] = None, label_file: Optional[str] = None):
    """Build a model from a zoo name or config (+ checkpoint), ready for :func:`inference`.

    Class names (``model.dataset_meta['classes']``): from ``label_file`` (recognisers: one
    name per line in the classifier's order, or ``name<TAB>index``), else the checkpoint's
    meta, else the config's dataset."""
    register_all()
    config, checkpoint = _config_and_checkpoint(model, checkpoint)
    cfg = load_config(config, cfg_options)
    task = task_of(cfg)
    if label_file is not None and task not in ('action', 'cls'):
        raise ValueError(f'label_file names the classes of a recogniser; {config} is a {task} '
                         f'model (its class names come from the checkpoint or the config).')
    if checkpoint is not None:  # the task checkpoint holds the backbone(s)
        for key in ('backbone', 'image_backbone'):  # image_backbone: STAN's static stream
            if key in cfg.model:
                cfg.model[key].init_cfg = None
    # Build without weights, then load them here: MMSegmentation's init_model indexes
    # checkpoint['meta'] unconditionally (KeyError on the authors' files) and MMDetection's
    # falls back to COCO class names; ours takes names from the checkpoint, else the config.
    # Each toolbox's init function is imported in its branch: the toolboxes are optional.
    with explain_unknown_types():
        if task == 'cls':
            from mmpretrain.apis import get_model
            net = get_model(cfg, pretrained=False, device=device)
        elif task == 'det':
            from mmdet.apis import init_detector
            net = init_detector(cfg, None, device=device)
        elif task == 'seg':
            from mmseg.apis import init_model as init_segmentor
            net = init_segmentor(cfg, None, device=device)
        elif task == 'action':
            from mmaction.apis import init_recognizer
            net = init_recognizer(cfg, None, device=device)
        else:
            from mmpose.apis import init_model as init_pose
            net = init_pose(cfg, None, device=device)
    # MMPose's init_model already reads the keypoint metainfo from the config.
    meta = {} if task == 'pose' else _dataset_meta(cfg)
    if checkpoint is not None:
        if task in ('action', 'cls'):  # MMEngine loads whatever fits; these must fit exactly
            check_model_checkpoint(net, checkpoint, config=config)
        ckpt = load_checkpoint(net, checkpoint, map_location='cpu')
        saved = (ckpt.get('meta') or {}).get('dataset_meta') or {}
        meta.update(saved)
    if label_file is not None:
        meta['classes'] = _read_label_file(label_file, cfg)
    net.dataset_meta = {**(getattr(net, 'dataset_meta', None) or {}), **meta}
    net.cfg = cfg
    net.task = task
    return net


def _read_label_file(label_file: str, cfg) -> tuple:
    names = read_class_list(label_file)
    num_classes = (cfg.model.get('cls_head') or cfg.model.get('backbone') or {}).get(
        'num_classes')
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f'Label file {label_file} names {len(names)} classes but the model '
                         f'has {num_classes}: use the label list of its dataset.')
    return tuple(names)


def _test_pipeline(cfg):
    """The config's test pipeline (``test_pipeline``, else the test dataset's), which decodes
    a video from ``filename``."""
    pipeline = cfg.get('test_pipeline') or cfg.test_dataloader.dataset.get('pipeline')
    if not pipeline:
        raise ValueError(f'{cfg.filename} has no test_pipeline nor '
                         f'test_dataloader.dataset.pipeline to prepare a video with.')
    return pipeline


def _inference_video(model, video: str):
    from mmaction.apis import inference_recognizer  # MMAction2 is optional
    if not isinstance(video, (str, Path)):
        raise TypeError(f'A recogniser takes a video file path, not a {type(video).__name__}.')
    if not Path(video).is_file():
        raise FileNotFoundError(f'Video {video!r} does not exist.')
    init_default_scope(model.cfg.get('default_scope', 'mmaction'))
    return inference_recognizer(model, str(video), Compose(_test_pipeline(model.cfg)))


def _inference_image_classifier(model, image: Union[str, np.ndarray]):
    """The classifier's test pipeline (its file loading replaced for an array) and
    ``test_step``: MMPretrain's ``DataSample`` with the class scores in ``pred_score``."""
    from mmengine.dataset import pseudo_collate
    init_default_scope(model.cfg.get('default_scope', 'mmpretrain'))
    pipeline = list(_test_pipeline(model.cfg))
    if isinstance(image, (str, Path)):
        if not Path(image).is_file():
            raise FileNotFoundError(f'Image {image!r} does not exist.')
        data = dict(img_path=str(image))
    else:
        pipeline = [t for t in pipeline if t['type'] != 'LoadImageFromFile']
        data = dict(img=image, img_shape=image.shape[:2], ori_shape=image.shape[:2])
    data = Compose(pipeline)(data)
    return model.test_step(pseudo_collate([data]))[0]


def top_k(model, result, k: int = 5) -> List[Tuple[Union[str, int], float]]:
    """The ``k`` best classes of a recogniser's or classifier's result, best first:
    ``(name, score)``, or
    ``(index, score)`` when the model has no class names (see :func:`init_model`)."""
    scores = result.pred_score.detach().float().cpu()
    values, indices = scores.topk(min(k, scores.numel()))
    names = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    return [(names[i] if names else i, v) for i, v in zip(indices.tolist(), values.tolist())]


def _read_rgb(image: Union[str, np.ndarray]) -> np.ndarray:
    if isinstance(image, (str, Path)):
        if not Path(image).is_file():
            raise FileNotFoundError(f'Image {image!r} does not exist.')
        return mmcv.imread(str(image), channel_order='rgb')
    return np.ascontiguousarray(image[..., ::-1])  # arrays are BGR, as in OpenCV/mmcv


def inference(model, image: Union[str, np.ndarray], bboxes: Optional[np.ndarray] = None,
              det_model=None, det_score_thr: float = 0.3):
    """Run one image (path, or BGR array), or for a recogniser one video file (the config's
    test pipeline decodes and samples it; returns MMAction2's ``ActionDataSample`` with the
    class scores in ``pred_score``, see :func:`top_k`). Pose uses ``bboxes`` (x1, y1, x2,
    y2), else the person boxes of ``det_model``, else the whole image as one person box."""
    image = str(image) if isinstance(image, Path) else image
    if model.task == 'action':
        return _inference_video(model, image)
    if model.task == 'cls':
        return _inference_image_classifier(model, image)
    # Each toolbox's inference function is imported in its branch: the toolboxes are optional.
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
    if model.task in ('action', 'cls'):
        raise ValueError('draw() draws detection, segmentation and pose results; for a '
                         'class use top_k(model, result).')
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


def long_video_timeline(model, video: str) -> dict:
    """A long video through a STAN model: the video's class scores and, along the timeline,
    each of its M segments' scores (:meth:`~uniformer_dense.models.stan.STAN.segment_scores`:
    the transformer over that segment's clip and static frames only). One decode, one pass
    of the backbones. Returns ``result`` (MMAction2's ``ActionDataSample``, the video's
    scores in ``pred_score``, as :func:`inference` gives; see :func:`top_k`),
    ``segment_scores`` (M, num_classes), ``segments`` (M (start, end) pairs in seconds) and
    ``seconds`` (the video's length)."""
    import torch
    from mmaction.structures import ActionDataSample
    if type(model).__name__ != 'STAN':
        raise ValueError(f'long_video_timeline needs a STAN model (configs/long_video/); got '
                         f'{type(model).__name__}: use inference() and top_k() for a clip.')
    if not Path(video).is_file():
        raise FileNotFoundError(f'Video {video!r} does not exist.')
    init_default_scope(model.cfg.get('default_scope', 'mmaction'))
    sample = Compose(_test_pipeline(model.cfg))(
        dict(filename=str(video), label=-1, start_index=0, modality='RGB'))
    feats = model.sample_features([sample])
    with torch.no_grad():
        scores = model.cls_head.average_clip(model.cls_head(model.fuse(feats)), 1)
        segment_scores = model.segment_scores(feats)[0]
    meta = sample['data_samples'].metainfo
    seconds = _video_seconds(video, meta)
    m = segment_scores.shape[0]
    result = ActionDataSample(metainfo=meta)
    result.set_pred_score(scores.reshape(-1))
    return dict(result=result, segment_scores=segment_scores.cpu().numpy(),
                segments=[(seconds * i / m, seconds * (i + 1) / m) for i in range(m)],
                seconds=seconds)


def _video_seconds(video: str, meta: dict) -> float:
    """The video's length in seconds: from the sampler's frame times and seconds (a frame's
    time in seconds over its fraction of the video), else the container's frame count and
    rate."""
    times, seconds = meta.get('frame_times'), meta.get('frame_seconds')
    if times is not None and seconds is not None:
        times, seconds = np.asarray(times, float), np.asarray(seconds, float)
        i = int(np.argmax(times))
        total = int(meta['total_frames'])
        if times[i] > 0 and total > 1:  # seconds / time = (total - 1) / fps
            return float(seconds[i] / times[i] * total / (total - 1))
    import cv2
    capture = cv2.VideoCapture(str(video))
    frames, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    return float(frames / fps) if fps else float(frames)


def draw_timeline(model, timeline: dict, out_file: str, top: int = 5) -> None:
    """A PNG of :func:`long_video_timeline`'s segment scores: the ``top`` classes of the
    video (rows, best first) against the segments (columns, in seconds)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ranked = top_k(model, timeline['result'], top)
    names = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    index = {name: i for i, name in enumerate(names)} if names else None
    rows = [index[label] if index else label for label, _ in ranked]
    grid = timeline['segment_scores'][:, rows].T
    seconds = timeline['seconds']
    fig, ax = plt.subplots(figsize=(10, 1 + 0.5 * len(rows)), dpi=100)
    image = ax.imshow(grid, aspect='auto', cmap='viridis', extent=(0, seconds, len(rows), 0))
    ax.set_yticks([i + .5 for i in range(len(rows))])
    ax.set_yticklabels([f'{label if isinstance(label, str) else f"class {label}"} '
                        f'({score:.2f})' for label, score in ranked])
    ax.set_xlabel('seconds')
    ax.set_title(f'{Path(str(timeline["result"].metainfo.get("filename", ""))).name}: '
                 f'segment scores of the video\'s top {len(rows)} classes')
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(out_file)
    plt.close(fig)
