"""Faults tried for real: a NaN loss mid-training."""
import torch

from tools_cli import REPO, run_tool

TOY_SEG = REPO / 'configs' / 'toy' / 'fpn_uniformer_xxs_toy.py'


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
