"""Two processes on this CPU machine through torchrun and MMEngine's pytorch launcher (gloo):
training equals one process with the double batch, resumes, evaluates every sample once, and
a dead rank ends the job naming it; detection, segmentation and pose train with 2 processes
(and detection and pose resume). See uniformer_dense/distributed.py."""
import os
import subprocess
import sys

import pytest
import torch

from tools_cli import REPO, free_port, read_json, run_tool

# one worker under `make test` (pytest-xdist --dist loadgroup): the module's fixtures build once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group('distributed')]
TOY_VIDEO = REPO / 'configs' / 'toy' / 'uniformer_video_s_toy.py'
TOY_SEG = REPO / 'configs' / 'toy' / 'fpn_uniformer_xxs_toy.py'
TOY_DET = REPO / 'configs' / 'toy' / 'mask_rcnn_uniformer_xxs_toy.py'
TOY_POSE = REPO / 'configs' / 'toy' / 'topdown_heatmap_uniformer_s_toy.py'


def dist_tool(script, *args, cwd, timeout=600, env=None):
    """tools/dist_train.sh / dist_test.sh with 2 processes, one thread each."""
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1',
               PYTHONWARNINGS='ignore', **(env or {}))
    return subprocess.run(['bash', str(REPO / 'tools' / script), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope='module')
def video_run(tmp_path_factory):
    """8 toy videos for training (2 iterations of 4), 5 for testing (odd: the sampler pads).
    The config makes one process x 4 and two x 2 see the same clips: deterministic frame
    sampling, frozen BatchNorm statistics (norm_eval), no stochastic depth."""
    from uniformer_dense.toy_data import make_toy_videos
    root = tmp_path_factory.mktemp('dist')
    make_toy_videos(root / 'data' / 'toy' / 'video', n_train=8, n_val=5, num_frames=8)
    config = root / 'toy_video_dist.py'
    config.write_text(
        f"_base_ = {str(TOY_VIDEO)!r}\n"
        "model = dict(backbone=dict(norm_eval=True))\n"
        "train_dataloader = dict(dataset=dict(pipeline=_base_.val_dataloader.dataset.pipeline))\n"
        "train_cfg = dict(max_epochs=1, val_interval=100)\n"
        "default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))\n")
    one = run_tool('train.py', config, '--work-dir', root / 'one', '--cfg-options',
                   'train_dataloader.batch_size=4', cwd=root)
    two = dist_tool('dist_train.sh', config, 2, '--work-dir', root / 'two', '--cfg-options',
                    'train_dataloader.batch_size=2', cwd=root)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    return root, config, one, two


def test_two_processes_train_like_one_with_the_double_batch(video_run):
    root, _, _, two = video_run
    log = two.stdout + two.stderr
    assert "dist_cfg: {'backend': 'gloo'}" in log or "backend='gloo'" in log
    assert sorted(p.name for p in (root / 'two').glob('*.pth')) == ['epoch_1.pth']  # rank 0 only
    one = torch.load(root / 'one' / 'epoch_1.pth', weights_only=False)
    two = torch.load(root / 'two' / 'epoch_1.pth', weights_only=False)
    assert one['meta']['iter'] == two['meta']['iter'] == 2  # 8 videos: 2 steps of 4 (2 x 2)
    one, two = one['state_dict'], two['state_dict']
    assert one.keys() == two.keys()
    worst = max(float((two[k] - one[k]).abs().max()) for k in one if one[k].is_floating_point())
    print(f'2 processes x 2 vs 1 process x 4, largest weight difference: {worst:.2e}')
    for key in one:
        if one[key].is_floating_point():
            torch.testing.assert_close(two[key], one[key], rtol=1e-4, atol=1e-5, msg=key)


def test_two_processes_resume(video_run):
    root, config, _, _ = video_run
    proc = dist_tool('dist_train.sh', config, 2, '--work-dir', root / 'two', '--resume',
                     '--cfg-options', 'train_dataloader.batch_size=2', 'train_cfg.max_epochs=2',
                     cwd=root)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'resumed epoch: 1' in log or 'Load checkpoint from' in log
    assert (root / 'two' / 'epoch_2.pth').exists()


def test_two_process_evaluation_counts_every_sample_once(video_run):
    root, config, _, _ = video_run
    ckpt = root / 'one' / 'epoch_1.pth'
    run_tool('test.py', config, ckpt, '--work-dir', root / 'test1', '--out', root / 'one.json',
             cwd=root)
    proc = dist_tool('dist_test.sh', config, ckpt, 2, '--work-dir', root / 'test2', '--out',
                     root / 'two.json', cwd=root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    one, two = read_json(root / 'one.json'), read_json(root / 'two.json')
    # 5 videos over 2 processes: 3 + 3 with one padded duplicate, cut back to 5
    assert one['metrics'] == two['metrics'] and one['headline'] == two['headline']


def test_a_dead_rank_ends_the_job_and_is_named(video_run, tmp_path):
    """Rank 1 exits in its first iteration; torchrun stops rank 0 (which would otherwise wait
    in the gradient all-reduce) and names the failed rank."""
    root, config, _, _ = video_run
    (tmp_path / 'die_on_rank1.py').write_text(
        "import os\n"
        "from mmengine.hooks import Hook\n"
        "from mmengine.registry import HOOKS\n"
        "@HOOKS.register_module()\n"
        "class DieOnRank1(Hook):\n"
        "    def before_train_iter(self, runner, batch_idx, data_batch=None):\n"
        "        if os.environ.get('RANK') == '1':\n"
        "            os._exit(3)\n")
    dying = tmp_path / 'dying.py'
    dying.write_text(f"_base_ = {str(config)!r}\n"
                     "custom_imports = dict(imports=['uniformer_dense', 'die_on_rank1'])\n"
                     "custom_hooks = [dict(type='DieOnRank1')]\n")
    proc = dist_tool('dist_train.sh', dying, 2, '--work-dir', tmp_path / 'work',
                     '--cfg-options', 'train_dataloader.batch_size=2', cwd=root, timeout=300,
                     env=dict(PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)])))
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'rank      : 1' in log or 'rank: 1' in log, log[-3000:]
    assert 'exitcode  : 3' in log or 'exitcode: 3' in log, log[-3000:]


def test_two_process_segmentation_with_syncbn_heads_on_cpu(tmp_path):
    """MMSegmentation's FPN head names SyncBN: on CPU it runs as per-process BatchNorm."""
    from uniformer_dense.toy_data import make_ade_segmentation
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=4, n_val=1)
    proc = dist_tool('dist_train.sh', TOY_SEG, 2, '--work-dir', tmp_path / 'work',
                     '--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=1000',
                     'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=2',
                     'sync_bn=torch', cwd=tmp_path)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'SyncBN (torch.nn.SyncBatchNorm needs GPUs) becomes per-process' in log
    assert sorted(p.name for p in (tmp_path / 'work').glob('*.pth')) == ['iter_2.pth']


@pytest.mark.parametrize('config', [TOY_DET, TOY_POSE], ids=['det', 'pose'])
def test_two_processes_train_save_once_and_resume_detection_and_pose(config, tmp_path):
    """Mask R-CNN and top-down pose with 2 processes: one epoch, one checkpoint written by
    rank 0 through the atomic backend (no temporary file left), then a 2-process resume."""
    from uniformer_dense.toy_data import make_coco_instances
    make_coco_instances(tmp_path / 'data' / 'toy', n_train=4, n_val=1)
    work = tmp_path / 'work'
    options = ['train_dataloader.batch_size=2', 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=1']
    first = dist_tool('dist_train.sh', config, 2, '--work-dir', work, '--cfg-options',
                      *options, 'train_cfg.max_epochs=1', cwd=tmp_path)
    log = first.stdout + first.stderr
    assert first.returncode == 0, log[-3000:]
    assert "'backend': 'gloo'" in log or "backend='gloo'" in log
    assert sorted(p.name for p in work.iterdir() if 'pth' in p.name) == ['epoch_1.pth']
    assert torch.load(work / 'epoch_1.pth', weights_only=False)['meta']['epoch'] == 1
    second = dist_tool('dist_train.sh', config, 2, '--work-dir', work, '--resume',
                       '--cfg-options', *options, 'train_cfg.max_epochs=2', cwd=tmp_path)
    log = second.stdout + second.stderr
    assert second.returncode == 0, log[-3000:]
    assert 'resumed epoch: 1' in log or 'Load checkpoint from' in log
    assert sorted(p.name for p in work.iterdir() if 'pth' in p.name) == ['epoch_1.pth',
                                                                          'epoch_2.pth']


STAND_IN_SRUN = '''#!{python}
"""STAND-IN for Slurm's srun (the only fake of this test): starts --ntasks copies of the
command on this machine with the variables srun sets (SLURM_PROCID, SLURM_LOCALID,
SLURM_NTASKS, SLURM_NODELIST) and the rendezvous address; every other option is ignored."""
import os, subprocess, sys
args, ntasks = sys.argv[1:], 1
while args and args[0].startswith('-'):
    option = args.pop(0)
    if option.startswith('--ntasks='):
        ntasks = int(option.split('=', 1)[1])
    elif option in ('-p', '-J', '-n'):
        args.pop(0)
print(f'stand-in srun: {{ntasks}} local task(s) of {{args[:3]}}', file=sys.stderr, flush=True)
procs = [subprocess.Popen(args, env=dict(os.environ, SLURM_PROCID=str(i), SLURM_LOCALID=str(i),
                                         SLURM_NTASKS=str(ntasks), SLURM_NODELIST='localhost',
                                         MASTER_ADDR='127.0.0.1'))
         for i in range(ntasks)]
sys.exit(max(p.wait() for p in procs))
'''


def test_slurm_scripts_train_and_test_with_a_stand_in_srun(tmp_path):
    """tools/slurm_train.sh and slurm_test.sh run as written (their options, PYTHON, the
    slurm launcher of MMEngine); only srun is a stand-in that starts the tasks locally."""
    from uniformer_dense.toy_data import make_ade_segmentation
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=4, n_val=2)
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(STAND_IN_SRUN.format(python=sys.executable))
    srun.chmod(0o755)
    env = dict(os.environ, PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
               PYTHON=sys.executable, GPUS='2', GPUS_PER_NODE='2', CPUS_PER_TASK='1',
               MASTER_PORT=str(free_port()), OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    work = tmp_path / 'work'
    train = subprocess.run(
        ['bash', str(REPO / 'tools' / 'slurm_train.sh'), 'debug', 'toy_seg', str(TOY_SEG),
         str(work), '--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=1000',
         'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=2'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    log = train.stdout + train.stderr
    assert train.returncode == 0, log[-3000:]
    assert 'stand-in srun: 2 local task(s)' in log
    assert "'backend': 'gloo'" in log or "backend='gloo'" in log
    run_log = next(work.glob('*/*.log')).read_text()
    assert 'Distributed launcher: slurm' in run_log and 'Distributed training: True' in run_log
    assert 'GPU number: 2' in run_log  # MMEngine's word for the world size
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_2.pth']
    env['MASTER_PORT'] = str(free_port())
    test = subprocess.run(
        ['bash', str(REPO / 'tools' / 'slurm_test.sh'), 'debug', 'toy_seg_test', str(TOY_SEG),
         str(work / 'iter_2.pth'), '--out', str(tmp_path / 'metrics.json')],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    log = test.stdout + test.stderr
    assert test.returncode == 0, log[-3000:]
    metrics = read_json(tmp_path / 'metrics.json')
    assert 'mIoU' in str(metrics)
