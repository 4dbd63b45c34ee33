"""One training / evaluation harness for the four toolboxes.

``tools/train.py`` and ``tools/test.py`` are thin command lines over this module. The task
is told from the config's ``default_scope`` (``mmdet``, ``mmseg``, ``mmpose``,
``mmaction`` or ``mmpretrain``); the runner is MMEngine's, built the way each toolbox's own tools build it.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from . import hooks
from .checkpoint import check_model_checkpoint
from .coco_categories import match_coco_categories, matched_warning
from .datacheck import DatasetError, check_datasets
from .datacheck.image_folders import count_class_folders
from .errors import UsageError
from .datacheck.transforms import add_decode_checks, add_label_checks, register_transforms
from .distributed import finish_distributed, prepare_distributed
from .registry import explain_unknown_types, register_all

TASKS = {'mmdet': 'det', 'mmseg': 'seg', 'mmpose': 'pose', 'mmaction': 'action',
         'mmpretrain': 'cls'}
# The headline metrics of each task under common names, and where the toolbox puts them.
HEADLINE = {
    'det': {'box_ap': 'coco/bbox_mAP', 'mask_ap': 'coco/segm_mAP'},
    'seg': {'miou': 'mIoU', 'macc': 'mAcc', 'aacc': 'aAcc'},
    'pose': {'keypoint_ap': 'coco/AP'},
    'action': {'top1': 'acc/top1', 'top5': 'acc/top5', 'mean_class_acc': 'acc/mean1',
               'map': 'acc/mean_average_precision',  # mAP: multi-label (STAN)
               'mse': 'regression/mse'},  # LVU's regression tasks (STAN)
    'cls': {'top1': 'accuracy/top1', 'top5': 'accuracy/top5'},
}


def add_common_args(parser):
    """The arguments every tool over a config shares, as MMEngine-based tools name them."""
    parser.add_argument('--work-dir', help='the dir to save logs (and models)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--partial-load', action='store_true',
                        help='accept a checkpoint (CHECKPOINT / load_from) that does not fit '
                             'the model exactly: load what fits and log what is skipped')
    return parser


def parse_tool_args(parser, argv=None):
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None) -> Config:
    """Load a config file, or a toolbox's own config named as MMEngine's ``_base_`` entries
    name them (``mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py``, from the installed
    package's ``.mim/configs``)."""
    path = resolve_package_config(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file {path!r} does not exist.')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def resolve_package_config(path: str) -> str:
    """``package::relative/path.py`` -> the file in the installed package's .mim/configs."""
    if '::' not in path:
        return path
    package, relative = path.split('::', 1)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f'Config {path!r}: package {package!r} is not installed.')
    resolved = osp.join(spec.submodule_search_locations[0], '.mim', 'configs', relative)
    if not osp.isfile(resolved):
        raise FileNotFoundError(f'Config {path!r}: {resolved} does not exist (the configs '
                                f'{package} ships are under its .mim/configs).')
    return resolved


def task_of(cfg: Config) -> str:
    scope = cfg.get('default_scope')
    if scope not in TASKS:
        raise ValueError(f"Config has default_scope={scope!r}; expected one of {sorted(TASKS)} "
                         f"(inherit the toolbox's default_runtime.py).")
    return TASKS[scope]


def build_runner(cfg: Config):
    register_all()  # the backbones, zoo:// scheme, safe checkpoint types, safeguards
    prepare_distributed(cfg)
    with explain_unknown_types():
        if 'runner_type' in cfg:
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)


def enable_amp(cfg: Config):
    if not torch.cuda.is_available():
        raise UsageError('--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper has no CPU '
                           'mode); run without --amp on this machine.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def set_resume(cfg: Config, resume: Optional[str]):
    """``'auto'`` resumes from the work dir's latest checkpoint, a path from that file."""
    if resume is None:
        return
    cfg.resume = True
    cfg.load_from = None if resume == 'auto' else resume


def enable_tta(cfg: Config):
    """Multi-scale + flip test, the toolboxes' way: the config's ``tta_pipeline`` feeds its
    ``tta_model`` (segmentation: ratios 0.5-1.75 and flips, merged by ``SegTTAModel``)."""
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        raise ValueError(f'{cfg.filename} defines no tta_model / tta_pipeline, so --tta has '
                         f'nothing to run; add them (see MMSegmentation\'s ade20k.py).')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def classes_from_folders(cfg: Config, split: str) -> None:
    """A classification config that leaves ``model.backbone.num_classes`` to the data
    (None): the class folders of the training set say how many (of ``split``'s set where the
    config has no training set), for the classifier and the Mixup / CutMix one-hot targets of
    the data preprocessor, with a log line."""
    backbone = cfg.model.get('backbone') or {}
    if task_of(cfg) != 'cls' or 'num_classes' not in backbone or \
            backbone['num_classes'] is not None:
        return
    split = 'train' if 'dataset' in (cfg.get('train_dataloader') or {}) else split
    loader = cfg.get(f'{split}_dataloader') or {}
    if 'dataset' not in loader:
        raise DatasetError(f'model.backbone.num_classes=None asks for the class count of the '
                           f'{split} set\'s folders, but the config has no {split}_dataloader.')
    count, folder = count_class_folders(loader['dataset'])
    backbone['num_classes'] = count
    if cfg.model.get('data_preprocessor') is not None:
        cfg.model.data_preprocessor['num_classes'] = count
    elif cfg.get('data_preprocessor') is not None:
        cfg.data_preprocessor['num_classes'] = count
    print_log(f'model.backbone.num_classes: {count}, the class folders of {folder}',
              logger='current')


def prepare_data(cfg: Config, splits) -> None:
    """Fail early and clearly on unusable datasets (see :mod:`uniformer_dense.datacheck`);
    segmentation pipelines also check every label map as it is loaded, video pipelines
    name the file a decode fails in."""
    classes_from_folders(cfg, splits[0])
    check_datasets(cfg, splits)
    if task_of(cfg) == 'seg':
        register_transforms()
        add_label_checks(cfg)
    elif task_of(cfg) == 'action':  # decoders that name the file a video fails in
        add_decode_checks(cfg, splits)


def check_checkpoint_fits(runner, filename: str, partial: bool = False):
    """The whole-model checkpoint must fit the runner's model (MMEngine only warns)."""
    model = runner.model
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):  # as MMEngine loads
        model = model.module
    return check_model_checkpoint(model, filename, allow_partial=partial, logger=runner.logger,
                                  config=runner.cfg.filename)


def train(cfg: Config, partial_load: bool = False):
    """Train with the safeguards every run gets: data checked before the start, a stop at the
    first non-finite loss, random states that survive ``--resume``, checkpoints written
    atomically, and a ``load_from`` that must fit (or ``partial_load``)."""
    splits = ('train', 'val') if cfg.get('val_cfg') and cfg.get('val_dataloader') else ('train',)
    prepare_data(cfg, splits)
    custom = list(cfg.get('custom_hooks') or [])
    for hook in hooks.SAFEGUARD_HOOKS:
        if not any(h.get('type') == hook for h in custom):
            custom.append(dict(type=hook))
    cfg.custom_hooks = custom
    checkpoint_hook = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint_hook is not None and not checkpoint_hook.get('backend_args'):
        checkpoint_hook.backend_args = dict(backend='atomic_local')
    runner = build_runner(cfg)
    if cfg.get('load_from'):
        check_checkpoint_fits(runner, cfg.load_from, partial_load)
    runner.train()
    finish_distributed(runner)
    return runner


def _jsonable(value):
    if hasattr(value, 'item'):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


# Headline metrics a COCO evaluator reports per evaluated type (``metric=['bbox', 'segm']``).
COCO_HEADLINE = {'det': {'bbox': 'box_ap', 'segm': 'mask_ap'}, 'pose': {'keypoints': 'keypoint_ap'}}


def headline_metrics(task: str, metrics: Dict) -> Dict:
    return {name: metrics[key] for name, key in HEADLINE[task].items() if key in metrics}


def expected_coco_headline(task: str, cfg: Config) -> list:
    """The headline names a detection / pose config's COCO evaluator(s) should report."""
    if task not in COCO_HEADLINE:
        return []
    evaluators = cfg.get('test_evaluator') or []
    evaluators = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
    names = []
    for evaluator in evaluators:
        if 'CocoMetric' not in str(evaluator.get('type', '')):
            continue
        kinds = evaluator.get('metric', 'bbox' if task == 'det' else 'keypoints')
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        names += [COCO_HEADLINE[task][k] for k in kinds if k in COCO_HEADLINE[task]]
    return names or list(COCO_HEADLINE[task].values())[:1]


def test(cfg: Config, checkpoint: str, out: Optional[str] = None,
         partial_load: bool = False) -> Dict:
    """Evaluate ``checkpoint`` on the config's test set; optionally write the metrics JSON."""
    if not (checkpoint.startswith(('http://', 'https://', 'zoo://')) or osp.isfile(checkpoint)):
        raise FileNotFoundError(f'Checkpoint {checkpoint!r} does not exist.')
    task = task_of(cfg)
    prepare_data(cfg, ('test',))
    matched = None
    if task == 'det':
        matched = match_coco_categories(cfg, cfg.work_dir)
    cfg.load_from = checkpoint
    runner = build_runner(cfg)
    if matched:
        runner.logger.warning(matched_warning(matched))
    check_checkpoint_fits(runner, checkpoint, partial_load)
    metrics = _jsonable(runner.test())
    main_process = is_main_process()  # every process holds the same metrics: one writes them
    finish_distributed(runner)
    headline = headline_metrics(task, metrics)
    # MMDetection's / MMPose's CocoMetric return nothing when no prediction survived the score
    # threshold on any image: that is an AP of 0, not a missing number.
    empty = [name for name in expected_coco_headline(task, cfg) if name not in headline]
    if empty:
        runner.logger.warning(
            f'Nothing was detected on any image of the test set (no prediction above the '
            f'score threshold; an untrained model?): reporting {", ".join(empty)} = 0.0.')
        headline.update({name: 0.0 for name in empty})
    result = dict(task=task, config=cfg.filename, checkpoint=checkpoint,
                  headline=headline, metrics=metrics)
    if empty:
        result['warning'] = f'nothing detected: {", ".join(empty)} reported as 0.0'
    if matched:
        result['categories'] = matched
    if out and main_process:
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(result, f, indent=2)
    return result
