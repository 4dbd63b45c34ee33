"""One class, buildable through MMDetection, MMSegmentation, MMPose and timm."""
import importlib

import pytest
import torch

import uniformer_dense
from uniformer_dense.models import UniFormer


@pytest.mark.parametrize('toolbox', ['mmdet', 'mmseg', 'mmpose'])
def test_toolbox_registry_builds_the_one_class(toolbox):
    registry = importlib.import_module(f'{toolbox}.registry').MODELS
    assert registry.get('UniFormer') is UniFormer
    # in the toolbox's own scope, as its Runner builds (another scope may be current: a
    # module fixture's Runner of another toolbox leaves one behind)
    model = registry.build(dict(type='UniFormer', variant='uniformer_xxs', out_indices=(3,),
                                _scope_=toolbox))
    assert type(model) is UniFormer
    with torch.no_grad():
        (out,) = model.eval()(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 448, 2, 2)


def test_unknown_variant_through_registry_names_choices():
    from mmdet.registry import MODELS
    with pytest.raises(Exception, match='uniformer_s_h14'):
        MODELS.build(dict(type='UniFormer', variant='uniformer_small_h99', _scope_='mmdet'))


@pytest.mark.parametrize('name,channels', [('uniformer_s_h14', [64, 128, 320, 512]),
                                           ('uniformer_small', [64, 128, 320, 512]),
                                           ('uniformer_xs', [64, 128, 256, 512])])
def test_timm_create_model_features_only(name, channels):
    """features_only=True: the dense backbone (of a classifier's network, for the
    classifiers' names); a backbone-only variant without it says how to call it."""
    import timm
    model = timm.create_model(name, features_only=True)
    assert type(model) is UniFormer
    assert model.feature_info.channels() == channels
    assert model.feature_info.reduction() == [4, 8, 16, 32]
    with torch.no_grad():
        outs = model.eval()(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == channels
    if name == 'uniformer_s_h14':
        with pytest.raises(ValueError, match='features_only=True'):
            timm.create_model(name)


def test_unknown_backbone_type_says_which_package_to_import(tmp_path):
    from tools_cli import REPO, run_tool
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=2, n_val=2, size=64)
    config = tmp_path / 'typo.py'
    config.write_text(f"_base_ = '{REPO}/configs/toy/mask_rcnn_uniformer_xxs_toy.py'\n"
                      "model = dict(backbone=dict(type='UniFormr'))\n")
    proc = run_tool('train.py', config, '--work-dir', tmp_path / 'w', cwd=tmp_path,
                    check=False)
    assert proc.returncode != 0
    assert 'UniFormr is not in the' in proc.stderr
    assert "custom_imports = dict(imports=['uniformer_dense'])" in proc.stderr


def test_mmaction_registry_builds_the_video_class_and_keeps_its_own_uniformer():
    import mmaction.models  # noqa: F401  (importable: see uniformer_dense.compat)
    from mmaction.registry import MODELS
    from uniformer_dense.models import UniFormerVideo
    assert MODELS.get('UniFormerVideo') is UniFormerVideo
    assert MODELS.get('UniFormerImage') is UniFormer
    port = MODELS.get('UniFormer')  # MMAction2's own port, untouched
    assert port is not UniFormer and port.__module__.startswith('mmaction.')
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(dict(type='UniFormerVideo', variant='uniformer_video_s'))
    with torch.no_grad():
        out = model.eval()(torch.randn(1, 3, 4, 64, 64))
    assert out.shape == (1, 512, 2, 2, 2)


def test_mmaction_missing_drn_workaround_is_narrow():
    """MMAction2 1.2.0 ships without localizers/drn (upstream #2714): only that module is
    stood in for, and building DRN says why it cannot."""
    import sys

    from mmaction.registry import MODELS
    from uniformer_dense.compat import MISSING_DRN, DRNUnavailable, _drn_missing
    import mmaction.models.localizers as localizers
    assert localizers.BMN.__module__ == 'mmaction.models.localizers.bmn'  # real MMAction2
    if not _drn_missing():
        pytest.skip('this MMAction2 ships localizers/drn: no workaround in place')
    assert sys.modules[MISSING_DRN + '.drn'].DRN is DRNUnavailable
    from mmengine.registry import DefaultScope
    # build() looks in the current default scope's registry (earlier tests may set another)
    with DefaultScope.overwrite_default_scope('mmaction'), \
            pytest.raises(ModuleNotFoundError, match='#2714'):
        MODELS.build(dict(type='DRN'))


def test_register_all_makes_every_registration_and_is_idempotent():
    """``import uniformer_dense`` ran :func:`register_all`; a second call (as the harness,
    ``analysis.build_model`` and ``apis.init_model`` make) registers nothing new and keeps
    the same objects."""
    from mmaction.registry import TRANSFORMS as ACTION_TRANSFORMS
    from mmengine.fileio.backends.registry_utils import backends
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.registry import HOOKS
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmpose.registry import VISUALIZERS
    from mmseg.registry import TRANSFORMS as SEG_TRANSFORMS

    from uniformer_dense import hooks, registry

    def registered():
        return dict(hooks={name: HOOKS.module_dict.get(name) for name in hooks.SAFEGUARD_HOOKS},
                    zoo=CheckpointLoader._schemes.get('zoo://'),
                    backend=backends.get('atomic_local'),
                    seg=SEG_TRANSFORMS.module_dict.get('CheckSegLabels'),
                    video=ACTION_TRANSFORMS.module_dict.get('CheckedDecordInit'),
                    pose=VISUALIZERS.module_dict.get('PoseLocalVisualizerNp2'),
                    safe=HistoryBuffer in torch.serialization.get_safe_globals())

    before = registered()
    assert all(before['hooks'].values()) and all(v for k, v in before.items() if k != 'hooks')
    scopes = registry.register_all()
    assert registered() == before
    assert registry.register_all() == scopes
    assert {'mmdet', 'mmseg', 'mmpose', 'mmaction', 'timm'} <= set(scopes)


def test_package_modules_call_register_all_instead_of_importing_the_package():
    """Inside the package no module imports ``uniformer_dense`` for its side effect: the
    ones that build from the registries call ``registry.register_all()`` (idempotent)."""
    from tools_cli import REPO
    offenders = [f'{path.relative_to(REPO)}:{n}'
                 for path in sorted((REPO / 'uniformer_dense').rglob('*.py'))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if line.strip().startswith('import uniformer_dense')]
    assert not offenders, offenders
