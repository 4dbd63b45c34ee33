"""LVU from its released files: tools/prepare_lvu.py on a made-up LVU 1.0 tree (all nine tasks,
a partial download), the nine configs, and the regression side (lists of real-valued targets,
STAN's regression head, mean squared error)."""
import json
import math

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from reference import require_shared
from tools_cli import REPO, run_tool
from uniformer_dense.datacheck import DatasetError, check_datasets
from uniformer_dense.lvu import LVU_TASKS, LVUError, parse_row

LVU_CONFIGS = sorted((REPO / 'configs' / 'long_video' / 'lvu').glob('*.py'))


def _row(task, i, vid):
    """A row laid out as LVU's CSVs are: label first (like_ratio: likes, dislikes), the
    YouTube id second to last."""
    if task == 'view_count':
        return f'{1000 * (i + 1)} 12 {vid} tt00{i}'
    if task == 'like_ratio':
        return f'{90 + i} {10 - i} 7 {vid} tt00{i}'
    return f'{i % LVU_TASKS[task].num_classes} 3 {vid} tt00{i}'


@pytest.fixture
def lvu_tree(tmp_path):
    """lvu_1.0/<task>/{train,val,test}.csv for the nine tasks, 3 rows each; videos
    downloaded for all but the third row of every file (one as .mkv, one as .webm)."""
    root, videos = tmp_path / 'lvu_1.0', tmp_path / 'videos'
    videos.mkdir()
    missing = []
    for task in LVU_TASKS:
        (root / task).mkdir(parents=True)
        for split in ('train', 'val', 'test'):
            ids = [f'{task[:3]}{split}{i}Xy-_' for i in range(3)]
            rows = [_row(task, i, vid) for i, vid in enumerate(ids)]
            (root / task / f'{split}.csv').write_text('label a youtube_id imdb_id\n' +
                                                      '\n'.join(rows) + '\n')
            suffix = {'train': '.mp4', 'val': '.mkv', 'test': '.webm'}[split]
            (videos / f'{ids[0]}.mp4').write_bytes(b'')
            (videos / f'{ids[1]}{suffix}').write_bytes(b'')
            missing.append((task, split, ids[2]))
    return root, videos, missing


def test_prepare_lvu_writes_every_tasks_lists_and_reports_missing_videos(lvu_tree, tmp_path):
    root, videos, missing = lvu_tree
    out = tmp_path / 'lists'
    proc = run_tool('prepare_lvu.py', '--lvu-root', root, '--videos', videos, '--out', out)
    assert f'{len(missing)} rows have no downloaded video (first: {missing[0][2]}' in proc.stdout
    assert sorted(p.name for p in out.glob('*_*.txt') if p.name != 'missing_videos.txt') == \
        sorted(f'{t}_{s}.txt' for t in LVU_TASKS for s in ('train', 'val', 'test'))
    assert (out / 'missing_videos.txt').read_text().split('\n')[:-1] == \
        [' '.join(m) for m in missing]
    scene = (out / 'scene_val.txt').read_text().split('\n')[:-1]
    assert scene == ['sceval0Xy-_.mp4 0', 'sceval1Xy-_.mkv 1']
    views = (out / 'view_count_train.txt').read_text().split()
    assert views[0] == 'vietrain0Xy-_.mp4' and float(views[1]) == pytest.approx(math.log(1000))
    assert float(views[3]) == pytest.approx(math.log(2000))
    likes = (out / 'like_ratio_test.txt').read_text().split()
    assert likes[0] == 'liktest0Xy-_.mp4' and float(likes[1]) == pytest.approx(9.0)
    assert likes[2] == 'liktest1Xy-_.webm' and float(likes[3]) == pytest.approx(91 / 100 * 10)
    table = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()
             if len(line.split()) == 4 and line.split()[1].isdigit()}
    assert len(table) == 27 and table['view_count/train'] == ['3', '2', '1']


def test_an_unreadable_lvu_row_names_its_file_and_line(lvu_tree, tmp_path):
    root, videos, _ = lvu_tree
    csv = root / 'view_count' / 'val.csv'
    lines = csv.read_text().split('\n')
    lines[2] = 'many 3 vid tt1'
    csv.write_text('\n'.join(lines))
    proc = run_tool('prepare_lvu.py', '--lvu-root', root, '--videos', videos, '--out',
                    tmp_path / 'lists', check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert f"{csv}:3: label 'many' of task 'view_count' is not a number" in proc.stderr
    with pytest.raises(LVUError, match='not a class index of the 6 classes'):
        parse_row('scene', '6 x vid tt', 'scene/train.csv:2')
    with pytest.raises(LVUError, match='has 1 fields'):
        parse_row('genre', 'vid', 'genre/train.csv:2')
    with pytest.raises(LVUError, match='has 2 fields'):  # no id: the label is not taken for one
        parse_row('scene', '3 abcdEFG', 'scene/train.csv:2')
    with pytest.raises(LVUError, match='has 3 fields'):
        parse_row('like_ratio', '5 5 abcdEFG', 'like_ratio/train.csv:2')


def test_nine_lvu_configs_build_through_the_benchmark_tool():
    """One config per LVU task: the seven classification tasks with LVU's class counts and
    top-1, the two regression tasks with one output, MSE loss and metric."""
    assert sorted(p.stem.split('frozen_')[1] for p in LVU_CONFIGS) == sorted(LVU_TASKS)
    proc = run_tool('benchmark.py', *LVU_CONFIGS, '--json', '--skip-speed', timeout=600)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{')]
    assert [r['config'] for r in results] == [str(p) for p in LVU_CONFIGS]
    for path, result in zip(LVU_CONFIGS, results):
        task = LVU_TASKS[path.stem.split('frozen_')[1]]
        cfg = Config.fromfile(str(path))
        assert cfg.train_dataloader.dataset.ann_file == f'data/lvu/lists/{task.name}_train.txt'
        assert cfg.test_dataloader.dataset.ann_file == f'data/lvu/lists/{task.name}_test.txt'
        head = cfg.model.cls_head
        # two UniFormer-S backbones (~21M each), the two-stream transformer, the head
        outputs = task.num_classes or 1
        assert result['task'] == 'action'
        assert result['params'] - (512 + 1) * outputs == results[0]['params'] - (512 + 1) * (
            LVU_TASKS[LVU_CONFIGS[0].stem.split('frozen_')[1]].num_classes or 1)
        if task.num_classes is None:
            assert head.type == 'STANRegressionHead'
            assert cfg.train_dataloader.dataset.type == 'VideoRegressionDataset'
            assert cfg.test_evaluator.type == 'RegressionMetric'
            assert cfg.default_hooks.checkpoint.rule == 'less'
        else:
            assert head.type == 'STANHead' and head.num_classes == task.num_classes
            assert not head.get('multi_class') and cfg.test_evaluator.type == 'AccMetric'


def test_regression_head_loss_prediction_and_metric():
    from mmaction.registry import METRICS, MODELS
    import uniformer_dense.long_video  # noqa: F401  (registers the metric)
    import uniformer_dense.models.stan  # noqa: F401

    head = MODELS.build(dict(type='STANRegressionHead', in_channels=8, _scope_='mmaction'))
    torch.manual_seed(0)
    feats = torch.randn(3, 8)
    targets = [2.5, -1.0, 9.0]
    samples = [ActionDataSample().set_gt_label(torch.tensor([t])) for t in targets]
    losses = head.loss(feats, samples)
    pred = head(feats).view(-1)
    torch.testing.assert_close(losses['loss_mse'], ((pred - torch.tensor(targets)) ** 2).mean())
    out = head.predict(feats, [ActionDataSample().set_gt_label(torch.tensor([t]))
                               for t in targets])
    torch.testing.assert_close(torch.cat([s.pred_score for s in out]), pred.detach())
    metric = METRICS.build(dict(type='RegressionMetric', _scope_='mmaction'))
    metric.process(None, [s.to_dict() for s in out])
    result = metric.compute_metrics(metric.results)
    assert result['mse'] == pytest.approx(((pred.detach() - torch.tensor(targets)) ** 2)
                                          .mean().item(), rel=1e-6)
    assert result['mae'] == pytest.approx((pred.detach() - torch.tensor(targets)).abs()
                                          .mean().item(), rel=1e-6)


def test_regression_lists_are_read_and_checked(tmp_path):
    from mmaction.registry import DATASETS
    import uniformer_dense.long_video  # noqa: F401

    config = REPO / 'configs' / 'long_video' / 'lvu' / 'stan_uniformer_s_frozen_like_ratio.py'
    cfg = Config.fromfile(str(config))
    videos = sorted((require_shared() / 'data' / 'video_mini').glob('*.mp4'))[:2]
    assert len(videos) == 2
    lst = tmp_path / 'like_ratio_train.txt'
    lst.write_text(f'{videos[0].name} 9.250000\n{videos[1].name} 7.5\n')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.ann_file = str(lst)
    ds_cfg.data_prefix = dict(video=str(videos[0].parent))
    cfg.val_dataloader = cfg.test_dataloader = None
    check_datasets(cfg, ('train',))
    # _scope_: build in MMAction2's registry whatever default scope an earlier test left
    dataset = DATASETS.build(dict(ds_cfg, pipeline=[], _scope_='mmaction'))
    assert [float(dataset.get_data_info(i)['label']) for i in range(len(dataset))] == [9.25, 7.5]
    lst.write_text(f'{videos[0].name} 9.25\n{videos[1].name} high\n')
    with pytest.raises(DatasetError, match="line 2: target 'high' is not a number"):
        check_datasets(cfg, ('train',))
    with pytest.raises(DatasetError, match="line 2: target 'high' is not a number"):
        # under the toolbox's own tools too
        DATASETS.build(dict(ds_cfg, pipeline=[], _scope_='mmaction'))
    lst.write_text(f'{videos[0].name} nan\n')
    with pytest.raises(DatasetError, match="line 1: target 'nan' is not a number"):
        check_datasets(cfg, ('train',))
    from uniformer_dense.long_video import read_regression_list
    with pytest.raises(DatasetError, match='line 1: .* with a finite number as VALUE'):
        read_regression_list(str(lst), None)
