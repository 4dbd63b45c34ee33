"""`make demo`: the whole job on generated data, in minutes on a CPU.

Builds the deterministic toy dataset (class folders, COCO instances + keypoints, ADE20K layout,
videos in MMAction2's list layout), trains the smallest classification, detection,
segmentation, pose and video configs with tools/train.py, evaluates each with tools/test.py
(untrained and trained), prints one results table, and saves prediction visualisations and
loss curves (PNG) under the output folder.

The numbers are the same on every run on the same kind of CPU: every tool run is seeded
(``--seed``, default 0), uses deterministic kernels and a fixed number of threads
(``--threads``, default 2: float sums depend on how the work is split across threads).
Another seed, thread count or processor (other vector instructions) gives other digits: the
detection and pose toys train their whole 12-epoch schedule on 64 images, and three runs
agreed within 0.03 AP (README); the trained seg mIoU was 97.83 on an Intel Xeon and 98.05 on
an AMD EPYC. The terminal shows the progress bar, the table and where the figures are;
every tool's output goes to a log file under the output folder (``<task>_train.log``,
``<task>_test.log``, ``demo.log`` for the demo's own steps).

    python tools/demo_pipeline.py [--out work_dirs/demo] [--tasks cls det seg pose video]
                                  [--threads 2] [--seed 0]
"""
import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from uniformer_dense.errors import run_cli  # noqa: E402

# task: (toy config, train overrides, visualisation overrides for the test run)
TASKS = {
    # shapes in class folders: top-1 of XXS trained from scratch
    'cls': ('configs/toy/uniformer_xxs_cls_toy.py', [], []),
    'det': ('configs/toy/mask_rcnn_uniformer_xxs_toy.py',
            ['train_cfg.val_interval=100'],
            ['default_hooks.visualization.draw=True', 'default_hooks.visualization.interval=1']),
    'seg': ('configs/toy/fpn_uniformer_xxs_toy.py',
            ['train_cfg.max_iters=60', 'train_cfg.val_interval=1000'],
            ['default_hooks.visualization.draw=True', 'default_hooks.visualization.interval=1']),
    'pose': ('configs/toy/topdown_heatmap_uniformer_s_toy.py', [],
             ['default_hooks.visualization.enable=True', 'default_hooks.visualization.interval=1']),
    # motion-only classes: top-1 of the trained model; no prediction images for video
    'video': ('configs/toy/uniformer_video_s_toy.py', [], []),
}
# which generated data each task reads (under OUT/data/toy)
DATA = {'cls': 'cls', 'det': 'coco', 'pose': 'coco', 'seg': 'ade', 'video': 'video'}
# headline metrics shown in the table (default: all); top-5 of 4 classes is always 1
METRICS = {'video': ('top1',), 'cls': ('top1',)}
SEED = 0


def deterministic(seed: int) -> list:
    """Given to every tool run: MMEngine seeds python, numpy and torch (and the data loader's
    workers) and switches torch to deterministic algorithms; cuDNN does not pick kernels by
    timing them."""
    return [f'randomness.seed={seed}', 'randomness.deterministic=True',
            'env_cfg.cudnn_benchmark=False']


def tool_env(threads: int, seed: int = SEED) -> dict:
    """The environment of every tool run: a fixed thread count for torch's CPU kernels (and
    MKL's, OpenMP's), a fixed hash seed, cuBLAS's deterministic workspace; warnings off."""
    return dict(os.environ, PYTHONWARNINGS='ignore', PYTHONHASHSEED=str(seed),
                OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                CUBLAS_WORKSPACE_CONFIG=':4096:8')


def run(tool, args, cwd, log, threads=2, seed=SEED):
    """Run tools/<tool> with the demo's determinism settings, its output into ``log``."""
    args = [*map(str, args)]
    if '--cfg-options' in args:  # one --cfg-options list: append to it
        at = args.index('--cfg-options') + 1
        args[at:at] = deterministic(seed)
    else:
        args += ['--cfg-options', *deterministic(seed)]
    cmd = [sys.executable, str(REPO / 'tools' / tool), *args]
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                              env=tool_env(threads, seed))
    if proc.returncode:
        tail = Path(log).read_text()[-3000:]
        raise SystemExit(f'{tool} failed (log: {log}):\n{tail}')


def latest_checkpoint(work: Path) -> Path:
    last = work / 'last_checkpoint'
    if last.exists():
        return Path(last.read_text().strip())
    return sorted(work.glob('*.pth'), key=os.path.getmtime)[-1]


def plot_losses(work: Path, out_png: Path, title: str) -> bool:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    files = sorted(work.glob('*/vis_data/scalars.json'))
    if not files:
        return False
    steps, losses = [], []
    for line in files[-1].read_text().splitlines():
        rec = json.loads(line)
        if 'loss' in rec and 'step' in rec:
            steps.append(rec['step'])
            losses.append(rec['loss'])
    if not losses:
        return False
    plt.figure(figsize=(5, 3.2))
    plt.plot(steps, losses, marker='o', markersize=3)
    plt.xlabel('iteration')
    plt.ylabel('loss')
    plt.title(title)
    plt.grid(alpha=0.3)
    plt.tight_layout()
    plt.savefig(out_png, dpi=100)
    plt.close()
    return True


def copy_visualisations(work: Path, dest: Path, task: str, limit: int = 3):
    images = sorted(p for p in work.rglob('*.png') if 'vis_image' in p.parts or 'vis' in p.name)
    saved = []
    for i, img in enumerate(images[:limit]):
        target = dest / f'{task}_prediction_{i}.png'
        shutil.copy(img, target)
        saved.append(target)
    return saved


def log_to_file(log_file: Path):
    """Send the demo's own MMEngine logging (the untrained models' init-weights report, one
    line per parameter) and Python warnings to ``log_file``; the terminal keeps errors."""
    logging.captureWarnings(True)  # before the imports that warn
    warnings_logger = logging.getLogger('py.warnings')
    warnings_logger.addHandler(logging.FileHandler(log_file, mode='w'))
    warnings_logger.propagate = False
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('uniformer_dense_demo', log_file=str(log_file),
                                   log_level='INFO', file_mode='a')
    for handler in logger.handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.setLevel(logging.ERROR)
    return logger


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default='work_dirs/demo')
    parser.add_argument('--tasks', nargs='+', default=list(TASKS), choices=list(TASKS))
    parser.add_argument('--threads', type=int, default=2,
                        help='CPU threads of every run (default 2, as the README\'s table was '
                             'measured): another count gives slightly different numbers')
    parser.add_argument('--seed', type=int, default=SEED,
                        help='seed of every run (default 0, as the README\'s table)')
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    log_to_file(out / 'demo.log')
    import torch
    from tqdm import tqdm

    from uniformer_dense.analysis import save_initial_checkpoint
    from uniformer_dense.toy_data import (CLS_CLASSES, make_ade_segmentation,
                                          make_class_folders, make_coco_instances,
                                          make_toy_videos)
    torch.set_num_threads(args.threads)
    figures = out / 'figures'
    figures.mkdir(exist_ok=True)

    needed = {DATA[task] for task in args.tasks}
    if 'cls' in needed:
        make_class_folders(out / 'data' / 'toy' / 'cls')
    if 'coco' in needed:
        make_coco_instances(out / 'data' / 'toy', n_train=64, n_val=32)
    if 'ade' in needed:
        make_ade_segmentation(out / 'data' / 'toy' / 'ade', n_train=24, n_val=8)
    if 'video' in needed:
        make_toy_videos(out / 'data' / 'toy' / 'video', n_train=256, n_val=32)
    print(f'toy dataset written to {out / "data" / "toy"}; logs: {out}/*.log')

    rows = []
    steps = tqdm(total=3 * len(args.tasks), desc='demo', unit='step')
    for task in args.tasks:
        config, train_opts, vis_opts = TASKS[task]
        config = REPO / config
        work = out / task
        shutil.rmtree(work, ignore_errors=True)
        steps.set_postfix_str(f'{task}: untrained baseline')
        # the classifier's class count comes from the folders in the tools; here it is given
        initial_opts = {'model.backbone.num_classes': len(CLS_CLASSES)} if task == 'cls' else None
        untrained = save_initial_checkpoint(config, out / f'{task}_untrained.pth', initial_opts)
        run('test.py', [config, untrained, '--work-dir', work / 'test_untrained', '--out',
                        work / 'untrained.json'], out, out / f'{task}_test_untrained.log',
            args.threads, args.seed)
        steps.update()
        steps.set_postfix_str(f'{task}: training')
        start = time.time()
        run('train.py', [config, '--work-dir', work / 'train',
                         *(['--cfg-options', *train_opts] if train_opts else [])],
            out, out / f'{task}_train.log', args.threads, args.seed)
        train_s = time.time() - start
        steps.update()
        steps.set_postfix_str(f'{task}: evaluating')
        run('test.py', [config, latest_checkpoint(work / 'train'), '--work-dir',
                        work / 'test', '--out', work / 'trained.json',
                        *(['--cfg-options', *vis_opts] if vis_opts else [])],
            out, out / f'{task}_test.log', args.threads, args.seed)
        steps.update()
        before = json.loads((work / 'untrained.json').read_text())['headline']
        after = json.loads((work / 'trained.json').read_text())['headline']
        plot_losses(work / 'train', figures / f'{task}_loss.png', f'{task}: {config.stem}')
        copy_visualisations(work / 'test', figures, task)
        for metric, value in after.items():
            if metric not in METRICS.get(task, after):
                continue
            rows.append((task, config.stem, metric, before.get(metric), value, train_s))
    steps.close()

    print('\n| task | config | metric | untrained | trained | train time (s) |')
    print('|---|---|---|---|---|---|')
    for task, cfg, metric, before, after, secs in rows:
        print(f'| {task} | {cfg} | {metric} | {before:.3f} | {after:.3f} | {secs:.0f} |')
    print(f'\nfigures (loss curves, predictions): {figures}')
    for png in sorted(figures.glob('*.png')):
        print(f'  {png.name}')
    (out / 'results.json').write_text(json.dumps(
        [dict(task=t, config=c, metric=m, untrained=b, trained=a, train_s=s)
         for t, c, m, b, a, s in rows], indent=2))


if __name__ == '__main__':
    run_cli(main)
