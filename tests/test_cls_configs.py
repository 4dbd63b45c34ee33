"""The 22 ImageNet classification configs (configs/cls/): one per released file of the model
zoo, each building in MMPretrain at its published size and evaluating at its resolution."""
import json
import math

import pytest
import torch

from reference import classifier_layout as cls_layout
from tools_cli import REPO, run_tool
from uniformer_dense import zoo
from uniformer_dense.harness import load_config
from uniformer_dense.models import ARCH_SETTINGS

CLS = REPO / 'configs' / 'cls'
ENTRIES = [e for e in zoo.ENTRIES if e.task == 'cls']


def test_one_config_per_released_classifier():
    assert len(ENTRIES) == 22
    released = sorted(p.name for p in CLS.glob('*.py') if not p.name.startswith('finetune_'))
    assert released == sorted(f'{e.name}.py' for e in ENTRIES)
    assert all(e.config == f'configs/cls/{e.name}.py' for e in ENTRIES)


@pytest.mark.parametrize('entry', ENTRIES, ids=lambda e: e.name)
def test_config_names_its_network_resolution_and_recipe(entry):
    cfg = load_config(str(REPO / entry.config))
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.model.backbone.type == 'UniFormerClassifier'
    assert cfg.model.backbone.arch == entry.arch
    test = cfg.test_dataloader.dataset.pipeline
    crop = [t for t in test if t['type'] == 'CenterCrop'][0]['crop_size']
    resize = [t for t in test if t['type'] == 'ResizeEdge'][0]
    assert crop == entry.input_size
    # the authors' eval transform: short side to size / crop_pct, bicubic (crop_pct 0.875,
    # token-labeling models 0.9)
    crop_pct = 0.9 if '_tl_' in entry.name else 0.875
    assert resize['scale'] == math.floor(entry.input_size / crop_pct)
    assert resize['interpolation'] == 'bicubic'
    train = cfg.train_dataloader.dataset.pipeline
    steps = [t['type'] for t in train]
    if '_tl_' in entry.name:  # token labeling: the maps are cropped / flipped with the image
        assert steps == ['LoadImageFromFile', 'LoadTokenLabel', 'TokenLabelRandomResizedCrop',
                         'TokenLabelRandomFlip', 'RandAugment', 'RandomErasing',
                         'TokenLabelTarget', 'PackInputs'], steps
        assert train[1]['label_root'] == 'data/imagenet/label_top5_train_nfnet'
        assert train[-1]['algorithm_keys'] == ('gt_token_score', 'gt_crop_score')
        assert cfg.model.backbone.mix_token is True
    else:
        assert 'LoadTokenLabel' not in steps and not cfg.model.backbone.get('mix_token')
    crop_step = 'TokenLabelRandomResizedCrop' if '_tl_' in entry.name else 'RandomResizedCrop'
    assert [t for t in train if t['type'] == crop_step][0]['scale'] == entry.input_size
    light = entry.variant in ('uniformer_xxs', 'uniformer_xs')
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'  # fp32 by default
    assert cfg.train_cfg.max_epochs == (600 if light else 60 if entry.input_size == 384
                                        else 310 if '_tl_' in entry.name else 300)
    if entry.input_size == 384:  # fine-tuned from the 224-px token-labeling file
        assert cfg.load_from == f'zoo://{entry.name[:-len("_384")]}'
    # the rest of the authors' recipe (run.sh + main.py defaults, per family)
    family = ('light' if light else 'tl_384' if entry.input_size == 384
              else 'tl' if '_tl_' in entry.name else 'in1k')
    lr = {'in1k': 8e-4 if 'base' in entry.name else 1e-3,
          'tl': 1.2e-3 if 'large' in entry.name else 1.6e-3, 'tl_384': 5e-6,
          'light': 3.2e-3 if 'xxs' in entry.name else 4e-3}[family]
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    if family != 'tl_384':
        warmup, cosine = cfg.param_scheduler
        assert warmup.type == 'LinearLR' and cosine.type == 'CosineAnnealingLR'
        assert warmup.start_factor * lr == pytest.approx(1e-6)  # warm-up from 1e-6
        assert warmup.end == cosine.begin == (30 if light else 5)
        assert cosine.end == (600 if light else 300) and cosine.eta_min == 1e-5
        assert cosine.T_max == cosine.end - cosine.begin
    ema = [h for h in cfg.custom_hooks if h.type == 'EMAHook']
    assert [h.momentum for h in ema] == {'light': [1e-4], 'tl': [8e-5]}.get(family, [])
    assert {'NonFiniteLossHook', 'RandomStateHook'} <= {h.type for h in cfg.custom_hooks}
    sampler = cfg.train_dataloader.sampler.type
    assert sampler == ('RepeatAugSampler' if family == 'in1k' else 'DefaultSampler')
    mixup = [a.type for a in (cfg.model.get('train_cfg') or {}).get('augments', [])]
    assert mixup == (['Mixup', 'CutMix'] if family in ('in1k', 'light') else [])
    drop_path = {'in1k': 0.3 if 'base' in entry.name else 0.1,
                 'tl': 0.4 if 'large' in entry.name else 0.3 if 'base' in entry.name else 0.1,
                 'tl_384': 0.3 if ('base' in entry.name or 'large' in entry.name) else 0.1,
                 'light': 0.0 if 'xxs' in entry.name else 0.1}[family]
    assert cfg.model.backbone.drop_path_rate == drop_path


def _published_size_matches(params: int, published_m: float) -> bool:
    """Within 2% of the published count, or equal to it at the published precision (the
    papers round: S's 21.55M is "22M", 2.07% off)."""
    digits = len(str(published_m).split('.')[1]) if '.' in str(published_m) else 0
    return (abs(params / 1e6 - published_m) <= 0.02 * published_m
            or round(params / 1e6, digits) == published_m)


@pytest.mark.slow
def test_every_config_builds_through_the_benchmark_tool_at_its_published_size():
    """tools/benchmark.py --json --skip-speed over all 22 configs in one process: MMPretrain's
    ImageClassifier with the package's classifier and head, at the parameter count the papers
    publish (and exactly the authors' layout's count)."""
    proc = run_tool('benchmark.py', *[REPO / e.config for e in ENTRIES], '--json',
                    '--skip-speed', timeout=600)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{')]
    assert [r['config'] for r in results] == [str(REPO / e.config) for e in ENTRIES]
    for entry, result in zip(ENTRIES, results):
        assert result['task'] == 'cls'
        layout = cls_layout(entry.arch)
        assert result['params'] == layout['params']  # the authors' network, exactly
        # The papers count the token-labeling models without their per-token head (S-plus TL:
        # 24.55M with it, 24.03M without, published "24M").
        dim = ARCH_SETTINGS[entry.variant]['embed_dims'][-1]
        counted = result['params'] - ((dim + 1) * 1000 if '_tl_' in entry.name else 0)
        assert _published_size_matches(counted, entry.params_m), (
            entry.name, counted, entry.params_m)


@pytest.mark.slow
def test_the_flops_of_a_light_and_a_384_model_are_the_published_ones():
    """MACs of one forward at the config's evaluation size (the papers' "FLOPs")."""
    for name in ('uniformer_xxs_in1k_128', 'uniformer_small_tl_in1k_384'):
        entry = zoo.get_entry(name)
        proc = run_tool('benchmark.py', REPO / entry.config, '--json', '--repeats', '1')
        result = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith('{')][-1])
        assert result['shape'] == [entry.input_size] * 2
        assert result['flops'] / 1e9 == pytest.approx(entry.flops_g, rel=0.03), name


def test_zoo_file_loads_into_the_mmpretrain_classifier_with_no_renaming(tmp_path):
    """The authors' file (weights under 'model', bare keys) as the zoo converts it on load:
    every tensor of the MMPretrain model comes from it."""
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from uniformer_dense.analysis import build_model
    from uniformer_dense.convert import convert_loaded
    from uniformer_dense.models import create_classifier
    state = create_classifier('uniformer_xxs_in1k').state_dict()
    state = {k: torch.randn_like(v.float()).to(v.dtype) for k, v in state.items()}
    ckpt = convert_loaded({'model': state}, 'imagenet', src='authors_xxs.pth')
    model = build_model(load_config(str(CLS / 'uniformer_xxs_in1k_128.py')))
    _load_checkpoint_to_model(model, ckpt['state_dict'], strict=True)
    for key, value in state.items():
        torch.testing.assert_close(model.state_dict()[f'backbone.{key}'], value)
