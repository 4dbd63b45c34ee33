"""``model_zoo.md``: the catalogue as a page, generated so that the two cannot disagree
(``python tools/download.py --markdown``; a test compares the file with :func:`markdown`)."""
from __future__ import annotations

from .catalog import WEIGHTS, host_label

TASK_TITLES = {'cls': 'ImageNet-1K classification (every backbone\'s init)', 'det': 'COCO detection and instance '
               'segmentation', 'seg': 'ADE20K semantic segmentation', 'pose': 'COCO keypoints',
               'action': 'Video classification (Kinetics-400/600, Something-Something V2/V1)'}


def _short_host(url: str) -> str:
    label = host_label(url)
    return {'Google Drive': 'Drive', 'OpenMMLab': 'OpenMMLab'}.get(
        label, label.replace('Hugging Face ', 'HF '))


def markdown() -> str:
    """``model_zoo.md``, generated from the catalogue (a test keeps the file in sync)."""
    lines = ['# Model zoo', '',
             'Generated from `uniformer_dense/zoo/catalog.py` by '
             '`.venv/bin/python tools/download.py --markdown`.',
             'Metrics, parameters and FLOPs (multiply-accumulates) are the papers\'. Tests '
             'check the configs\' parameter counts against them: classification and video '
             'configs against these entries (`tests/test_cls_configs.py`: within 2%, or equal '
             'at the published precision; `tests/test_video_configs.py`: within 3%), '
             'detection and segmentation configs against the same figures in their own '
             'tests\' tables (`tests/test_det.py`, `tests/test_seg.py`: within 3%); the pose '
             'entries have no count (`tests/test_pose.py` checks the backbone\'s exact count '
             'and the head\'s).',
             '`.venv/bin/python tools/download.py NAME` fetches an entry into the cache; a '
             'config names backbone weights as `zoo://NAME`, and '
             '`.venv/bin/python tools/test.py CONFIG zoo://NAME` evaluates an entry (the '
             'authors\' formats are converted when loaded).',
             'Sources are tried in the order given (hosts: HF = Hugging Face, Drive = the '
             'authors\' Google Drive); a file is kept only if it is a checkpoint that loads '
             'safely and matches its published SHA-256 where there is one (marked '
             '"(SHA-256)"), and its SHA-256 is recorded in the cache\'s `manifest.json` '
             '(`.venv/bin/python tools/download.py --verify`).', '']
    for task, title in TASK_TITLES.items():
        video = task == 'action'
        lines += [f'## {title}', '']
        if video:
            lines += ['FLOPs per view; views = frames x crops x clips at test time (the '
                      'paper\'s total FLOPs are per view x crops x clips).', '']
        lines += ['| name | config | paper metrics | params (M) | FLOPs (G) | '
                  + ('views | ' if video else '') + 'weights (sources in order) | note |',
                  '|---|---|---|---|---|' + ('---|' if video else '') + '---|---|']
        for e in WEIGHTS.values():
            if e.task != task:
                continue
            metrics = ', '.join(f'{k} {v}' for k, v in e.paper)
            weights = '-'
            if e.sources:
                links = [f'[{_short_host(s.url)}]({s.url})'
                         + (' (SHA-256)' if s.sha256 or s.sha256_prefix else '')
                         for s in e.sources]
                weights = f'{e.file_name}: ' + ', '.join(links)
            cells = [e.name, f'`{e.config}`' if e.config else '-', metrics,
                     _num(e.params_m), _num(e.flops_g)] + ([e.views] if video else []) + [
                     weights, e.note or '']
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    return '\n'.join(lines)


def _num(value):
    return '-' if value is None else f'{value:g}'
