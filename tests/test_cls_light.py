"""The light models' recipe (XXS / XS): two heads in training, token pruning that computes
the same in training and evaluation, fp32 training, the released schedule."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from tools_cli import REPO
from uniformer_dense.cls_head import UniFormerClsHead
from uniformer_dense.harness import build_runner, load_config
from uniformer_dense.models import create_classifier
from uniformer_dense.toy_data import make_class_folders

TOY = REPO / 'configs' / 'toy' / 'uniformer_xxs_cls_toy.py'


def _batchnorm_eval(model):
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.eval()


@pytest.mark.parametrize('name', ['uniformer_xxs_in1k', 'uniformer_xs_in1k'])
def test_training_adds_the_class_token_head_and_pruning_is_the_same_in_both_modes(name):
    """Training returns (pooled head, class-token head through norm_cls); the pooled logits
    equal evaluation's (token pruning and recovery take the same tokens in both modes; only
    BatchNorm statistics and drop path, both off here, differ); every head gets gradients."""
    torch.manual_seed(0)
    model = create_classifier(name, num_classes=7, drop_path_rate=0.)
    x = torch.randn(2, 3, 160, 160)
    model.eval()
    with torch.no_grad():
        evaluated = model(x)
    model.train()
    _batchnorm_eval(model)
    pooled, cls_logits = model(x)
    assert evaluated.shape == pooled.shape == cls_logits.shape == (2, 7)
    torch.testing.assert_close(pooled, evaluated, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(cls_logits, pooled)
    (pooled.sum() + cls_logits.sum()).backward()
    for key in ('head.weight', 'head_cls.weight', 'norm_cls.weight', 'cls_token'):
        grad = dict(model.named_parameters())[key].grad
        assert grad is not None and grad.abs().sum() > 0, key


def test_light_loss_is_half_pooled_head_half_class_token_head():
    head = UniFormerClsHead(loss=dict(type='CrossEntropyLoss'))
    torch.manual_seed(0)
    pooled, cls_logits = torch.randn(4, 5), torch.randn(4, 5)
    labels = torch.tensor([0, 3, 1, 4])
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    losses = head.loss([(pooled, cls_logits)], samples)
    assert set(losses) == {'loss_avg', 'loss_cls'}
    torch.testing.assert_close(losses['loss_avg'], 0.5 * F.cross_entropy(pooled, labels))
    torch.testing.assert_close(losses['loss_cls'], 0.5 * F.cross_entropy(cls_logits, labels))


def test_light_training_runs_in_fp32(tmp_path):
    """One epoch of the light toy config through MMEngine's runner: the optimizer wrapper is
    the plain one and every linear layer computes in float32 (the authors trained the light
    models without mixed precision: NaN losses)."""
    make_class_folders(tmp_path / 'cls', n_train=16, n_val=3)
    cfg = load_config(str(TOY))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(tmp_path / 'cls')
    cfg.model.backbone.num_classes = 3
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 10
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    dtypes = set()

    def record(module, inputs, output):
        dtypes.add(output.dtype)

    for module in runner.model.modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_hook(record)
    runner.train()
    assert type(runner.optim_wrapper).__name__ == 'OptimWrapper'
    assert dtypes == {torch.float32}


def test_xxs_configs_train_with_timms_v0_autoaugment():
    """The authors' XXS runs use timm's AutoAugment 'v0' (25 pairs): the configs carry it as
    MMPretrain transforms with timm's level-to-argument rules, and the pipeline runs on a
    real image."""
    import numpy as np
    from reference import mmpretrain_pipeline, require_shared

    for size in (128, 160, 192, 224):
        name = 'uniformer_xxs_in1k' + ('' if size == 224 else f'_{size}')
        cfg = load_config(str(REPO / 'configs' / 'cls' / f'{name}.py'))
        pipeline = cfg.train_dataloader.dataset.pipeline
        auto = [t for t in pipeline if t['type'] == 'AutoAugment'][0]
        policies = auto['policies']
        assert len(policies) == 25 and all(len(p) == 2 for p in policies)
        ops = [op for pair in policies for op in pair]
        # a few entries of timm's table, converted: ('Rotate', 0.6, 8), ('Color', 0.4, 1),
        # ('Posterize', 0.8, 2), ('SolarizeAdd', 0.6, 7), ('TranslateYRel', 0.8, 9)
        assert dict(type='Rotate', angle=24.0, prob=0.6) in ops
        assert dict(type='ColorTransform', magnitude=-0.72, prob=0.4,
                    random_negative_prob=0.) in ops
        assert dict(type='Posterize', bits=0, prob=0.8) in ops
        assert dict(type='SolarizeAdd', magnitude=77, prob=0.6) in ops
        assert dict(type='Translate', magnitude=0.405, prob=0.8, direction='vertical') in ops
        assert auto['hparams'] == dict(pad_val=[104, 116, 124], interpolation='bicubic')
    image = sorted((require_shared() / 'data' / 'coco_mini').rglob('*.jpg'))[0]
    steps = mmpretrain_pipeline(pipeline)
    np.random.seed(0)
    for _ in range(8):
        out = steps(dict(img_path=str(image), gt_label=1))
        assert tuple(out['inputs'].shape) == (3, 224, 224)
