"""Tools that the README tells users to run, run as they would: a subprocess, from outside
the checkout, with real arguments."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import torch

from tools_cli import REPO, run_tool


def test_make_toy_data_writes_every_toy_set(tmp_path):
    out = tmp_path / 'toy'
    proc = run_tool('make_toy_data.py', out, '--train', '4', '--val', '2', '--video-train', '4',
                    '--video-val', '2', cwd=tmp_path)
    assert f'toy COCO instances written to {out}' in proc.stdout
    coco = json.loads((out / 'annotations' / 'instances_train.json').read_text())
    assert len(coco['images']) == 4 and coco['annotations']
    for image in coco['images']:
        assert cv2.imread(str(out / 'train' / image['file_name'])).shape[:2] == \
            (image['height'], image['width'])
    assert len(list((out / 'ade' / 'images' / 'training').iterdir())) == 4
    classes = sorted(p.name for p in (out / 'cls' / 'train').iterdir())
    assert classes == ['ellipse', 'rectangle', 'triangle']
    maps = sorted((out / 'cls' / 'labels').rglob('*.pt'))
    assert len(maps) == len(list((out / 'cls' / 'train').rglob('*.png')))
    assert torch.load(maps[0]).shape == (2, 3, 8, 8)
    lines = (out / 'video' / 'train_list.txt').read_text().split('\n')
    assert len([line for line in lines if line.strip()]) == 4


def test_demo_backbone_runs_from_outside_the_checkout(tmp_path):
    """Started as `python tools/demo_backbone.py` from another folder, without the editable
    install's import hook (``-S``: no .pth files; site-packages only on PYTHONPATH): only the
    script's own sys.path line can find the package."""
    site = next(p for p in sys.path if p.endswith('site-packages') and Path(p, 'torch').is_dir())
    cmd = [sys.executable, '-S', str(REPO / 'tools' / 'demo_backbone.py'), '--variants',
           'uniformer_xxs', 'uniformer_video_s', '--size', '64', '64', '--frames', '4']
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=site, PYTHONWARNINGS='ignore'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith('| uniformer')]
    assert [row.split('|')[1].strip() for row in rows] == ['uniformer_xxs', 'uniformer_video_s']
    assert '56x16x16 112x8x8 224x4x4 448x2x2' in rows[0]  # strides 4-32 of 64 px
    assert '512x2x2x2' in rows[1]  # the video S: 4 frames / 2, 64 px / 32
