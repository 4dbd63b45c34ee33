"""Faults tried for real in training and evaluation runs: checkpoints that do not fit, a NaN
loss, a run killed mid-way and resumed. (Data faults: test_reliability_data.py; disk faults
and kills during a write: test_reliability_storage.py.)"""
import pytest
import torch

from tools_cli import REPO, run_tool, untrained_checkpoint

TOY_SEG = REPO / 'configs' / 'toy' / 'fpn_uniformer_xxs_toy.py'
TOY_DET = REPO / 'configs' / 'toy' / 'mask_rcnn_uniformer_xxs_toy.py'


@pytest.fixture(scope='module')
def misfits(tmp_path_factory):
    """Toy segmentation data and checkpoints that do not fit its model: another task,
    another variant, a truncated file; plus one that fits."""
    from uniformer_dense.toy_data import make_ade_segmentation
    root = tmp_path_factory.mktemp('misfit')
    make_ade_segmentation(root / 'data' / 'toy' / 'ade', n_train=2, n_val=2, size=64)
    files = dict(fits=untrained_checkpoint(TOY_SEG, root / 'seg_xxs.pth'),
                 det=untrained_checkpoint(TOY_DET, root / 'det_xxs.pth'),
                 variant=untrained_checkpoint(REPO / 'configs' / 'seg' / 'fpn_uniformer_xs.py',
                                              root / 'seg_xs.pth'))
    data = files['fits'].read_bytes()
    files['truncated'] = root / 'truncated.pth'
    files['truncated'].write_bytes(data[:len(data) // 2])
    return root, files


@pytest.mark.parametrize('kind,words', [
    ('det', ['holds a detection model and the config builds a segmentation model',
             'Missing from the checkpoint: decode_head.', 'Unexpected in the checkpoint: ']),
    ('variant', ['its backbone has (3, 5, 9, 3) blocks per stage, the config\'s (2, 5, 8, 2)',
                 'Shape mismatch for backbone.']),
    ('truncated', ['cannot be read', 'truncated, corrupt']),
])
def test_checkpoint_that_does_not_fit_is_refused_naming_file_and_mismatch(misfits, kind, words,
                                                                           monkeypatch):
    from uniformer_dense import harness
    from uniformer_dense.checkpoint import CheckpointError
    root, files = misfits
    monkeypatch.chdir(root)
    cfg = harness.load_config(str(TOY_SEG), work_dir=str(root / f'work_{kind}'))
    runner = harness.build_runner(cfg)
    assert harness.check_checkpoint_fits(runner, str(files['fits'])).complete
    with pytest.raises(CheckpointError) as exc:
        harness.check_checkpoint_fits(runner, str(files[kind]))
    msg = str(exc.value)
    assert str(files[kind]) in msg
    for word in words:
        assert word in msg


@pytest.mark.slow
def test_partial_load_only_on_request_and_then_reported(misfits):
    root, files = misfits
    args = ['test.py', TOY_SEG, files['det'], '--work-dir', root / 'work_cli']
    refused = run_tool(*args, cwd=root, check=False)
    assert refused.returncode != 0 and 'does not fit the model of this config' in refused.stderr
    assert '--partial-load' in refused.stderr
    partial = run_tool(*args, '--partial-load', '--out', root / 'partial.json', cwd=root)
    log = partial.stdout + partial.stderr
    assert 'Partial load requested' in log and 'Missing from the checkpoint: decode_head.' in log
    assert (root / 'partial.json').exists()


@pytest.mark.slow
def test_nan_loss_stops_with_message_and_keeps_last_good_checkpoint(tmp_path):
    from uniformer_dense.toy_data import make_ade_segmentation
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=8, n_val=2)
    work = tmp_path / 'work'
    common = ['--work-dir', work, '--cfg-options', 'train_cfg.val_interval=1000',
              'default_hooks.checkpoint.interval=4']
    run_tool('train.py', TOY_SEG, *common, 'train_cfg.max_iters=4', cwd=tmp_path)
    good = work / 'iter_4.pth'
    before = torch.load(good, weights_only=True)['state_dict']
    # resume with a loss that turns NaN at once
    proc = run_tool('train.py', TOY_SEG, '--resume', *common, 'train_cfg.max_iters=12',
                    'model.decode_head.loss_decode.loss_weight=nan', cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert 'Non-finite loss at iteration 5' in proc.stderr
    assert 'last good one' in proc.stderr
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_4.pth']
    assert (work / 'last_checkpoint').read_text().strip().endswith('iter_4.pth')
    after = torch.load(good, weights_only=True)['state_dict']
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())


def _iteration_losses(work):
    """{iteration: loss} of each run in ``work`` (MMEngine's vis_data/scalars.json), oldest
    run first."""
    import json
    runs = []
    for scalars in sorted(work.glob('2*/vis_data/scalars.json')):
        runs.append({rec['iter']: rec['loss'] for rec in map(json.loads,
                                                            scalars.read_text().splitlines())
                     if 'loss' in rec and 'iter' in rec})
    return runs


TOY_POSE = REPO / 'configs' / 'toy' / 'topdown_heatmap_uniformer_s_toy.py'
COMMON_RESUME_OPTIONS = ['default_hooks.logger.interval=1', 'log_processor.window_size=1',
                         'default_hooks.checkpoint.max_keep_ckpts=10',
                         'randomness.deterministic=True', 'model.backbone.drop_path_rate=0.2']
RESUME_CASES = {
    # iteration-based (InfiniteSampler, data replayed on resume): checkpoint every 4 iters
    'seg_iter_based': (TOY_SEG, ['train_cfg.max_iters=10', 'train_cfg.val_interval=1000',
                                 'default_hooks.checkpoint.interval=4'], 'iter_4.pth'),
    # epoch-based with random box augmentation in the main process: checkpoint every epoch
    'pose_epoch_based': (TOY_POSE, ['train_cfg.max_epochs=3', 'train_cfg.val_interval=1000',
                                    'default_hooks.checkpoint.interval=1',
                                    'train_dataloader.batch_size=8'], 'epoch_1.pth'),
}


@pytest.mark.slow
@pytest.mark.parametrize('case', sorted(RESUME_CASES))
def test_killed_run_resumes_with_the_losses_of_an_uninterrupted_run(tmp_path, case):
    """Deterministic mode, drop path on: a run SIGKILLed after its first checkpoint, in the
    middle of the next interval, continues with --resume exactly as if never stopped."""
    import signal
    import subprocess
    import sys
    import time
    from uniformer_dense.toy_data import make_ade_segmentation, make_coco_instances
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=16, n_val=2)
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=8, n_val=2, size=64)
    config, options, checkpoint = RESUME_CASES[case]
    options = ['--cfg-options', *options, *COMMON_RESUME_OPTIONS]
    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    run_tool('train.py', config, '--work-dir', straight, *options, cwd=tmp_path)
    expected = _iteration_losses(straight)[0]
    total = len(expected)
    assert sorted(expected) == list(range(1, total + 1))
    saved_at = torch.load(straight / checkpoint, weights_only=True)['meta']['iter']
    assert 2 <= saved_at < total - 2

    proc = subprocess.Popen([sys.executable, str(REPO / 'tools' / 'train.py'), str(config),
                             '--work-dir', str(killed), *options], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        runs = _iteration_losses(killed) if killed.exists() else []
        if runs and max(runs[0], default=0) >= saved_at + 2:
            proc.send_signal(signal.SIGKILL)  # mid-way between two checkpoints
            break
        time.sleep(0.02)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, 'the run ended before it could be killed'
    assert (killed / 'last_checkpoint').read_text().strip().endswith(checkpoint)

    run_tool('train.py', config, '--work-dir', killed, '--resume', *options, cwd=tmp_path)
    first, resumed = _iteration_losses(killed)
    after = range(saved_at + 1, total + 1)
    assert sorted(resumed) == list(after)
    assert {i: first[i] for i in range(1, saved_at + 1)} == \
        {i: expected[i] for i in range(1, saved_at + 1)}
    assert resumed == {i: expected[i] for i in after}
