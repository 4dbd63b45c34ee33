"""A user's mistake ends a tool with its message, not a traceback: ``<tool>: error: ...`` on
stderr and exit status 2; ``--debug`` (or UNIFORMER_DENSE_DEBUG=1) shows the traceback. Bugs
(any other exception) keep theirs."""
import pytest

from tools_cli import REPO, run_tool
from uniformer_dense.toy_data import make_class_folders

DET = REPO / 'configs' / 'det' / 'mask_rcnn_uniformer_s.py'
CLS_TOY = REPO / 'configs' / 'toy' / 'uniformer_xxs_cls_toy.py'


def _clean_error(proc, tool: str, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert f'{tool}: error: ' in proc.stderr and 'Traceback' not in proc.stderr, proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr[-2000:])


def test_train_without_the_dataset_prints_the_message_alone(tmp_path):
    """The issue's case: tools/train.py on the Mask R-CNN config without COCO."""
    proc = run_tool('train.py', DET, cwd=tmp_path, check=False)
    _clean_error(proc, 'train.py', "data_root: directory 'data/coco/' does not exist")
    debug = run_tool('train.py', DET, '--debug', cwd=tmp_path, check=False)
    assert debug.returncode != 0 and 'Traceback' in debug.stderr
    assert 'DatasetError' in debug.stderr
    env = run_tool('train.py', DET, cwd=tmp_path, check=False,
                   env={'UNIFORMER_DENSE_DEBUG': '1'})
    assert 'Traceback' in env.stderr


def test_test_with_a_damaged_checkpoint(tmp_path):
    make_class_folders(tmp_path / 'data' / 'toy' / 'cls', n_train=3, n_val=3)
    bad = tmp_path / 'model.pth'
    bad.write_bytes(b'\x80\x02}q\x00(X')  # a pickle cut short
    proc = run_tool('test.py', CLS_TOY, bad, '--work-dir', tmp_path / 'w', cwd=tmp_path,
                    check=False)
    assert proc.returncode == 2 and 'test.py: error: ' in proc.stderr
    assert str(bad) in proc.stderr and 'Traceback' not in proc.stderr


def test_an_unknown_variant_in_a_config(tmp_path):
    config = tmp_path / 'typo.py'
    config.write_text(f"_base_ = '{CLS_TOY}'\n"
                      f"model = dict(backbone=dict(arch=None, variant='uniformer_xxxs', num_classes=3))\n")
    proc = run_tool('benchmark.py', config, '--skip-speed', cwd=tmp_path, check=False)
    _clean_error(proc, 'benchmark.py', "Unknown UniFormer variant 'uniformer_xxxs'",
                 'uniformer_xxs')


def test_extract_features_on_a_missing_list(tmp_path):
    """The lists are checked before any weights load (a missing list is named, not a
    download attempted)."""
    config = REPO / 'configs' / 'long_video' / 'stan_uniformer_s_frozen.py'
    proc = run_tool('extract_features.py', config, '--out-dir', tmp_path / 'f', '--splits',
                    'val', cwd=tmp_path, check=False)
    _clean_error(proc, 'extract_features.py',
                 "data_prefix.video: directory 'data/lvu/videos' does not exist")


def test_a_bug_keeps_its_traceback():
    """Only USER_ERRORS are shortened: the error kinds that carry a "what to do" message."""
    from uniformer_dense.checkpoint import CheckpointError
    from uniformer_dense.datacheck import DatasetError
    from uniformer_dense.errors import ConfigError, run_cli
    from uniformer_dense.hooks import NonFiniteLossError
    from uniformer_dense.lvu import LVUError
    from uniformer_dense.datacheck.token_labels import LabelMapError
    from uniformer_dense.errors import USER_ERRORS
    from uniformer_dense.zoo import ZooError
    for kind, builtin in ((DatasetError, ValueError), (CheckpointError, RuntimeError),
                          (ZooError, RuntimeError), (ConfigError, ValueError),
                          (NonFiniteLossError, RuntimeError), (LVUError, ValueError),
                          (LabelMapError, ValueError)):
        assert issubclass(kind, USER_ERRORS) and issubclass(kind, builtin)

    def bug(argv):
        raise ZeroDivisionError('a bug')

    with pytest.raises(ZeroDivisionError):
        run_cli(bug, [])

    def mistake(argv):
        raise DatasetError('no such file')

    with pytest.raises(SystemExit) as stop:
        run_cli(mistake, [])
    assert stop.value.code == 2
    with pytest.raises(DatasetError):
        run_cli(mistake, ['--debug'])
