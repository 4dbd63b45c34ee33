"""The video recognisers of configs/video: each builds at the paper's size and cost, tests
with the published views, follows the authors' training recipe, is a model-zoo entry, and
its data pipelines run on a real video.

Sizes and costs are checked against the zoo entries (the paper's numbers, see
../shared/reference/paper_tables.md); FLOPs are counted per test view on the meta device
(shapes only, the same counts as a real forward), so even UniFormer-B 32x4 at 224 counts in
about a second.
"""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from reference import SHARED, require_shared
from tools_cli import REPO
from uniformer_dense import zoo
from uniformer_dense.analysis import (build_model, count_params, dummy_batch, meta_macs,
                                      video_test_views)

VIDEO_DIR = REPO / 'configs' / 'video'
CONFIGS = sorted(p.name for p in VIDEO_DIR.glob('*.py'))
VIDEO_MINI = SHARED / 'data' / 'video_mini'
CLASSES = {'k400': 400, 'k600': 600, 'sthv2': 174, 'sthv1': 174}
HEAD_IN = 512  # the width of stage 4, the classifier's input

# The authors' recipes (their exp/*/run.sh; batch = videos per iteration over all GPUs, each
# seen as 2 augmented clips): drop path, learning rate, videos, GPUs, warm-up, epochs.
RECIPES = {
    'uniformer_video_s_8x8_k400': (0.1, 4e-4, 128, 8, 10, 100),
    'uniformer_video_s_16x4_k400': (0.1, 1e-4, 32, 8, 10, 110),
    'uniformer_video_s_16x8_k400': (0.1, 1e-4, 32, 8, 10, 110),
    'uniformer_video_s_32x4_k400': (0.1, 1e-4, 32, 8, 10, 110),
    'uniformer_video_b_8x8_k400': (0.3, 2e-4, 64, 8, 10, 100),
    'uniformer_video_b_16x4_k400': (0.3, 1.25e-4, 40, 8, 10, 110),
    'uniformer_video_b_16x8_k400': (0.3, 1.25e-4, 40, 8, 10, 110),
    'uniformer_video_b_32x4_k400': (0.3, 1e-4, 32, 8, 10, 110),
    'uniformer_video_s_16x4_k600': (0.1, 3e-4, 96, 8, 10, 110),
    'uniformer_video_s_16x8_k600': (0.1, 1e-4, 32, 8, 10, 110),
    'uniformer_video_b_16x4_k600': (0.3, 1.25e-4, 40, 8, 10, 110),
    'uniformer_video_b_16x8_k600': (0.3, 1.25e-4, 32, 8, 10, 110),
    # 4 nodes x 8 GPUs, BASE_LR 1e-4 per node scaled by the number of nodes
    'uniformer_video_b_32x4_k600': (0.3, 4e-4, 128, 32, 10, 110),
    'uniformer_video_s_16_sthv2': (0.3, 2e-4, 32, 8, 5, 50),
    'uniformer_video_s_32_sthv2': (0.3, 2e-4, 32, 8, 5, 50),
    'uniformer_video_b_16_sthv2': (0.4, 2.5e-4, 40, 8, 5, 50),
    'uniformer_video_b_32_sthv2': (0.5, 2e-4, 32, 8, 5, 50),
    'uniformer_video_s_16_sthv2_prek600': (0.3, 2e-4, 32, 8, 5, 50),
    'uniformer_video_s_32_sthv2_prek600': (0.3, 2e-4, 32, 8, 5, 50),
    'uniformer_video_b_16_sthv2_prek600': (0.5, 2.5e-4, 40, 8, 5, 50),
    'uniformer_video_b_32_sthv2_prek600': (0.5, 2e-4, 32, 8, 5, 50),
    'uniformer_video_s_16_sthv1': (0.2, 2e-4, 32, 8, 5, 60),
    'uniformer_video_s_32_sthv1': (0.2, 2e-4, 32, 8, 5, 60),
    'uniformer_video_b_16_sthv1': (0.6, 2.5e-4, 40, 8, 5, 60),
    'uniformer_video_b_32_sthv1': (0.6, 2e-4, 32, 8, 5, 60),
    'uniformer_video_s_16_sthv1_prek600': (0.2, 2e-4, 32, 8, 5, 60),
    'uniformer_video_s_32_sthv1_prek600': (0.3, 2e-4, 32, 8, 5, 60),
    'uniformer_video_b_16_sthv1_prek600': (0.5, 2.5e-4, 40, 8, 5, 60),
    'uniformer_video_b_32_sthv1_prek600': (0.6, 2e-4, 32, 8, 5, 60),
}


def load(name: str) -> Config:
    return Config.fromfile(str(VIDEO_DIR / name))


def dataset_of(name: str) -> str:
    (data,) = [d for d in CLASSES if f'_{d}' in name]
    return data


def entries_of(name: str):
    return [e for e in zoo.ENTRIES if e.config == f'configs/video/{name}']


def leaf(dataset_cfg):
    while 'dataset' in dataset_cfg:
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def pipelines(cfg):
    return {split: leaf(cfg[f'{split}_dataloader']['dataset'])['pipeline']
            for split in ('train', 'val', 'test')}


def test_every_config_is_listed():
    assert len(CONFIGS) >= 25, CONFIGS
    assert set(CONFIGS) == {f'{name}.py' for name in RECIPES}


@pytest.mark.parametrize('name', CONFIGS)
def test_paper_size_and_flops_per_view(name):
    """Built as training builds it (no weights): the parameter count with a 400-class head
    within 3% of the paper's, the head sized for the dataset, and the MACs of one test view
    within 10% of the paper's total divided by its views."""
    cfg = load(name)
    entries = entries_of(name)
    assert entries, f'{name} is not referenced by any model-zoo entry'
    model = build_model(cfg, init=False).eval()
    num_classes = CLASSES[dataset_of(name)]
    assert model.cls_head.fc_cls.out_features == num_classes
    assert model.backbone.variant == cfg.model.backbone.variant
    params_400 = count_params(model) - (num_classes - 400) * (HEAD_IN + 1)
    views = video_test_views(cfg)
    inputs, samples = dummy_batch(cfg, (224, 224))
    assert tuple(inputs.shape) == (1, 1, 3, views['clip_len'], 224, 224)
    macs = meta_macs(model, 'action', inputs, samples)
    for entry in entries:
        assert entry.variant == model.backbone.variant, entry.name
        assert params_400 == pytest.approx(entry.params_m * 1e6, rel=0.03), entry.name
        assert macs / 1e9 == pytest.approx(entry.flops_g, rel=0.10), (entry.name, macs)
        frames, crops, clips = (int(v) for v in entry.views.split('x'))
        assert (frames, crops, clips) == (views['clip_len'], views['crops'], views['clips'])


def test_flops_grow_faster_than_frames():
    """Attention over all space-time tokens is quadratic in T: 32 frames cost more than
    twice 16 (a proxy that scaled linearly with T would not show this)."""
    def macs(name):
        cfg = load(name)
        return meta_macs(build_model(cfg, init=False).eval(), 'action',
                          *dummy_batch(cfg, (224, 224)))
    ratio = macs('uniformer_video_s_32x4_k400.py') / macs('uniformer_video_s_16x4_k400.py')
    assert 2.05 < ratio < 3


@pytest.mark.parametrize('name', CONFIGS)
def test_published_test_views_and_augmentation(name):
    cfg = load(name)
    p = pipelines(cfg)
    types = {split: [t['type'] for t in steps] for split, steps in p.items()}
    test = {t['type']: t for t in p['test']}
    assert test['Resize']['scale'] == (-1, 224)
    train_resize = [t for t in p['train'] if t['type'] == 'Resize'][-1]
    assert train_resize['scale'] == (224, 224) and 'RandomResizedCrop' in types['train']
    assert 'RandomErasing' in types['train'] and 'TorchVisionWrapper' in types['train']
    if dataset_of(name).startswith('k'):
        # Kinetics: 4 clips x 1 centre crop; dense sampling with the config's stride
        sampler = test['SampleFrames']
        assert sampler['num_clips'] == 4 and sampler['test_mode']
        assert test['CenterCrop']['crop_size'] == 224 and 'ThreeCrop' not in test
        assert 'Flip' in types['train']
        stride = int(name.split('_')[3].split('x')[1])
        assert sampler['frame_interval'] == stride
    else:
        # Something-Something: 1 clip x 3 crops, uniform segments, never flipped
        sampler = test['UniformSample']
        assert sampler['num_clips'] == 1 and sampler['test_mode']
        assert test['ThreeCrop']['crop_size'] == 224 and 'CenterCrop' not in test
        for split, names in types.items():
            assert 'Flip' not in names, split
            assert 'UniformSample' in names and 'SampleFrames' not in names, split
    clip_len = sampler['clip_len']
    assert all(t['clip_len'] == clip_len for steps in p.values() for t in steps
               if 'clip_len' in t)
    assert name.split('_')[3].split('x')[0] == str(clip_len)


@pytest.mark.parametrize('name', CONFIGS)
def test_head_and_mixup_classes(name):
    cfg = load(name)
    num_classes = CLASSES[dataset_of(name)]
    assert cfg.model.cls_head.num_classes == num_classes
    augments = cfg.model.data_preprocessor.blending.augments
    assert [a['type'] for a in augments] == ['MixupBlending', 'CutmixBlending']
    assert [a['alpha'] for a in augments] == [0.8, 1.]
    assert all(a['num_classes'] == num_classes for a in augments)
    assert cfg.model.cls_head.label_smooth_eps == 0.1


@pytest.mark.parametrize('name', CONFIGS)
def test_authors_recipe(name):
    """Drop path, LR for the recipe's batch (auto_scale_lr counts what the train dataloader's
    batch_size counts), warm-up and cosine epochs, AdamW with weight decay 0.05 off 1-D
    parameters, and the repeated augmentation."""
    cfg = load(name)
    drop_path, lr, videos, gpus, warmup, epochs = RECIPES[name[:-3]]
    assert cfg.model.backbone.drop_path_rate == drop_path
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == ('AdamW', lr, 0.05)
    assert cfg.optim_wrapper.paramwise_cfg.flat_decay_mult == 0
    loader = cfg.train_dataloader
    wrapper = loader.dataset
    if wrapper.type == 'RepeatAugDataset':  # 2 clips of each video: the batch counts videos
        assert wrapper.num_repeats == 2 and loader.collate_fn.type == 'repeat_pseudo_collate'
        per_batch = videos
    else:  # every video twice per epoch: the batch counts clips
        assert (wrapper.type, wrapper.times) == ('RepeatDataset', 2)
        per_batch = 2 * videos
    assert loader.batch_size * gpus == per_batch == cfg.auto_scale_lr.base_batch_size
    warm, cosine = cfg.param_scheduler
    assert (warm.type, warm.begin, warm.end) == ('LinearLR', 0, warmup)
    assert warm.start_factor * lr == pytest.approx(1e-6)
    assert (cosine.type, cosine.begin, cosine.end, cosine.T_max, cosine.eta_min) == (
        'CosineAnnealingLR', warmup, epochs, epochs - warmup, 1e-6)
    assert cfg.train_cfg.max_epochs == epochs


@pytest.mark.parametrize('name', CONFIGS)
def test_initial_weights(name):
    """Kinetics starts from the ImageNet backbone of the same size (inflated on load);
    Something-Something from the backbone of the Kinetics 16x4 recogniser of the same size
    (K400: MMAction2's file, whose keys start with 'backbone.'; K600: the authors' file)."""
    cfg = load(name)
    init = cfg.model.backbone.init_cfg
    source = zoo.get_entry(init.checkpoint[len('zoo://'):])
    size = cfg.model.backbone.variant[-1]
    if dataset_of(name).startswith('k'):
        assert source.task == 'cls' and source.variant == f'uniformer_{size}'
        assert not init.get('prefix')
    else:
        kinetics = 'k600' if name.endswith('_prek600.py') else 'k400'
        assert source.task == 'action' and source.variant == cfg.model.backbone.variant
        assert source.config == f'configs/video/uniformer_video_{size}_16x4_{kinetics}.py'
        assert source.url, source.name
        assert init.prefix == ('backbone.' if source.name.endswith('_mmaction2') else None)


def test_zoo_video_entries_point_at_configs():
    video = [e for e in zoo.ENTRIES if e.task == 'action']
    assert len(video) >= 28
    for entry in video:
        assert (REPO / entry.config).is_file(), entry.config
        assert entry.name.startswith(Path(entry.config).stem), entry.name
        assert entry.flops_g and entry.params_m and entry.views and entry.paper
        for source in entry.sources:
            if source.sha256_prefix:
                assert source.sha256_prefix in source.url
    referenced = {Path(e.config).name for e in video}
    assert referenced == set(CONFIGS)
    # MMAction2's converted files load into the same configs without conversion
    assert {e.name for e in video if e.name.endswith('_mmaction2')} == {
        'uniformer_video_s_16x4_k400_mmaction2', 'uniformer_video_b_16x4_k400_mmaction2',
        'uniformer_video_b_32x4_k400_mmaction2'}


# ---------------------------------------------------------------- real data through them
def _frames_of(video: Path, out: Path, count: int) -> Path:
    import cv2
    import decord
    reader = decord.VideoReader(str(video))
    out.mkdir(parents=True)
    for i, frame in enumerate(reader.get_batch(list(range(count))).asnumpy()):
        cv2.imwrite(str(out / f'{i + 1:05d}.jpg'), frame[..., ::-1])
    return out


@pytest.fixture(scope='module')
def real_data(tmp_path_factory):
    """demo.mp4 (a real Kinetics clip) as each layout expects it: a video list, and for
    SSv1 its first 64 frames as 00001.jpg ... with a rawframe list."""
    root = require_shared(VIDEO_MINI)
    tmp = tmp_path_factory.mktemp('video_layouts')
    (tmp / 'videos.txt').write_text('demo.mp4 3\n')
    _frames_of(root / 'demo.mp4', tmp / 'rawframes' / 'demo', 64)
    (tmp / 'rawframes.txt').write_text('demo 64 3\n')
    return root, tmp


def _dataset(cfg, split, real_data):
    from mmaction.registry import DATASETS
    from mmengine.registry import init_default_scope
    import uniformer_dense  # noqa: F401  (the DRN packaging workaround before mmaction.models)
    init_default_scope('mmaction')
    root, tmp = real_data
    ds = cfg[f'{split}_dataloader']['dataset'].copy()
    inner = leaf(ds)
    if 'img' in inner.data_prefix:
        inner.update(ann_file=str(tmp / 'rawframes.txt'),
                     data_prefix=dict(img=str(tmp / 'rawframes')))
    else:
        inner.update(ann_file=str(tmp / 'videos.txt'), data_prefix=dict(video=str(root)))
    return DATASETS.build(ds)


@pytest.mark.parametrize('name', [
    'uniformer_video_s_16x4_k400.py', 'uniformer_video_s_16x4_k600.py',
    'uniformer_video_s_16_sthv2.py', 'uniformer_video_s_16_sthv1.py'])
def test_pipelines_on_a_real_video(name, real_data):
    """Every component name and argument is real MMAction2: the train set yields 2 augmented
    224 clips per video (consecutive items of the repeated frame set for SSv1), the test set
    the published views."""
    cfg = load(name)
    views = video_test_views(cfg)
    t = views['clip_len']
    train = _dataset(cfg, 'train', real_data)
    if cfg.train_dataloader.dataset.type == 'RepeatAugDataset':
        samples = train[0]
    else:
        assert len(train) == 2
        samples = [train[0], train[1]]
    assert len(samples) == 2
    for sample in samples:
        assert tuple(sample['inputs'].shape) == (1, 3, t, 224, 224)
        assert sample['data_samples'].gt_label.item() == 3
    # augmented independently: the two clips of one video differ
    assert not torch.equal(samples[0]['inputs'], samples[1]['inputs'])
    test = _dataset(cfg, 'test', real_data)[0]
    assert tuple(test['inputs'].shape) == (views['clips'] * views['crops'], 3, t, 224, 224)
    val = _dataset(cfg, 'val', real_data)[0]
    assert tuple(val['inputs'].shape) == (1, 3, t, 224, 224)


@pytest.mark.slow
def test_something_something_train_and_test_step_on_a_real_video(real_data):
    """UniFormer-S 16 on SSv2 at full size: a training batch (2 clips, mixed with
    mixup/cutmix over 174 classes) gives a finite loss, and the 3 test crops average into
    one 174-way prediction."""
    from mmaction.registry import MODELS
    from mmengine.dataset import pseudo_collate
    cfg = load('uniformer_video_s_16_sthv2.py')
    torch.manual_seed(0)
    model = build_model(cfg)
    assert MODELS.get(cfg.model.type) is type(model)
    train = _dataset(cfg, 'train', real_data)
    batch = model.data_preprocessor(pseudo_collate(train[0]), training=True)
    assert tuple(batch['inputs'].shape) == (2, 1, 3, 16, 224, 224)
    # blended soft targets over the 174 classes
    assert batch['data_samples'][0].gt_label.shape[-1] == 174
    model.train()
    with torch.no_grad():
        losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    test = _dataset(cfg, 'test', real_data)
    with torch.no_grad():
        (pred,) = model.test_step(pseudo_collate([test[0]]))
    scores = pred.pred_score
    assert scores.shape == (174,) and np.isclose(float(scores.sum()), 1, atol=1e-4)
