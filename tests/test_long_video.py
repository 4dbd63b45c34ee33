"""STAN on long videos: it learns what only temporal context tells, its feature cache and
chunked backbones change nothing, a two-minute video runs end to end, and bad input is
stopped with the file named.

The toy set (uniformer_dense.toy_data.make_toy_long_videos): two-minute videos (4 fps,
32 px) whose class is the order of a red and a blue event, one in each half. The toy STAN
(random frozen backbones, one block per stage) trains on cached features through
tools/train.py; an order-blind classifier on the pooled static-stream features of the same
videos is the control that must stay near chance.
"""
import shutil
import types
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from by_hand import config_dumping_predictions, dumped_scores, topk_accuracy
from reference import SHARED
from tools_cli import REPO, default_scopes_kept, read_json, run_tool, untrained_checkpoint

TOY = REPO / 'configs' / 'toy' / 'stan_uniformer_toy.py'
TOY_CACHED = REPO / 'configs' / 'toy' / 'stan_uniformer_toy_cached.py'
LONG_VIDEO_CONFIGS = sorted((REPO / 'configs' / 'long_video').glob('*.py'))
VIDEO_MINI = SHARED / 'data' / 'video_mini'
# one worker under `make test` (pytest-xdist --dist loadgroup): the toy fixture (videos,
# features; minutes) builds once
pytestmark = pytest.mark.xdist_group('long_video_toy')


@pytest.fixture(scope='session')
def toy(tmp_path_factory):
    """The toy videos, the toy STAN's initial weights, and its features cached from them."""
    from uniformer_dense.toy_data import make_toy_long_videos
    root = tmp_path_factory.mktemp('long_video')
    data = make_toy_long_videos(root / 'data' / 'toy' / 'long_video')
    with default_scopes_kept():  # a session fixture: its scope would reach every later test
        init = untrained_checkpoint(TOY, root / 'init.pth')
    features = data / 'features'
    proc = run_tool('extract_features.py', TOY, init, '--out-dir', features,
                    '--splits', 'train', 'val', cwd=root)
    assert '96 feature files written, 0 kept' in proc.stdout, proc.stdout[-500:]
    return types.SimpleNamespace(root=root, data=data, init=init, features=features)


def _toy_model(checkpoint=None, **model):
    from uniformer_dense.apis import init_model
    options = {f'model.{k}': v for k, v in model.items()}
    net = init_model(str(TOY), str(checkpoint) if checkpoint else None, cfg_options=options)
    if checkpoint is None:
        net.init_weights()
    return net.eval()


def _load(features: Path, split: str):
    """Cached features of a split's list: static tokens (V, N, C) and labels (V,)."""
    lines = (features.parent / f'{split}_list.txt').read_text().split('\n')
    rows = [line.split() for line in lines if line.strip()]
    feats = [torch.load(features / f'{path}.pt', weights_only=True) for path, _ in rows]
    return (torch.stack([f['static'] for f in feats]),
            torch.tensor([int(label) for _, label in rows]))


def _order_blind_accuracy(features: Path) -> float:
    """A logistic regression on the static-stream features averaged over the video (what
    an order-blind model sees), trained to convergence on train, scored on val."""
    torch.manual_seed(0)
    x_train, y_train = _load(features, 'train')
    x_val, y_val = _load(features, 'val')
    x_train, x_val = x_train.mean(1), x_val.mean(1)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
    clf = torch.nn.Linear(x_train.shape[1], 2)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(clf(x_train), y_train).backward()
        opt.step()
    train_acc = (clf(x_train).argmax(1) == y_train).float().mean().item()
    assert train_acc >= 0.9, f'the control did not even fit its training set ({train_acc})'
    return (clf(x_val).argmax(1) == y_val).float().mean().item()


@pytest.mark.slow
def test_stan_learns_event_order_that_pooled_static_features_cannot(toy):
    work = toy.root / 'work'
    run_tool('train.py', TOY_CACHED, '--work-dir', work, '--cfg-options',
             f'load_from={toy.init}', cwd=toy.root)
    ckpt = work / 'epoch_100.pth'
    assert ckpt.exists()
    run_tool('test.py', TOY_CACHED, ckpt, '--work-dir', toy.root / 't1', '--out',
             toy.root / 'cached.json', cwd=toy.root)
    cached = read_json(toy.root / 'cached.json')['headline']['top1']
    # The same checkpoint on the two-minute videos themselves (decode, both backbones,
    # chunked, transformer): the answers the cached features gave.
    run_tool('test.py', TOY, ckpt, '--work-dir', toy.root / 't2', '--out',
             toy.root / 'live.json', cwd=toy.root)
    live = read_json(toy.root / 'live.json')['headline']['top1']
    blind = _order_blind_accuracy(toy.features)
    print(f'toy long videos, val top-1: STAN {cached:.3f} (cached) / {live:.3f} (videos), '
          f'order-blind pooled static features {blind:.3f} (chance 0.50)')
    assert cached >= 0.85, cached
    assert live == pytest.approx(cached, abs=1e-9)
    assert blind <= 0.70, blind
    assert cached - blind >= 0.25


@pytest.mark.slow
def test_regression_head_learns_a_real_valued_target(toy):
    """LVU's regression tasks in small: the toy's order as a number (2.0 or 8.0) in "PATH
    VALUE" lists over the cached features, STANRegressionHead + MSE, 100 epochs; tools/test.py
    reports the mean squared error, which must be at most a tenth of predicting the mean (9.0).

    64 training videos are easy to memorise: with the classifier's recipe (lr 2e-3, no
    dropout) the training loss reached 0.0007 and the val MSE was 2.5, 4.9 and 7.2 over three
    seeds on an AMD EPYC (5.7 with one thread; 2.45 on an Intel Xeon). At lr 5e-4 with
    dropout 0.1 and stream dropout 0.5 (the stream ablation's recipe) it was 0.04-0.09 over
    three seeds and both thread counts."""
    lists = {}
    for split in ('train', 'val'):
        rows = [line.split() for line in (toy.data / f'{split}_list.txt').read_text()
                .splitlines() if line.strip()]
        lists[split] = toy.root / f'regression_{split}.txt'
        lists[split].write_text(''.join(f'{path} {2.0 + 6.0 * int(label):.1f}\n'
                                        for path, label in rows))
    config = toy.root / 'toy_regression.py'
    config.write_text(
        f"_base_ = '{TOY_CACHED}'\n"
        f"model = dict(cls_head=dict(_delete_=True, type='STANRegressionHead', in_channels=64),\n"
        f"             fusion=dict(dropout=0.1, stream_dropout=0.5))\n"
        f"optim_wrapper = dict(optimizer=dict(lr=5e-4))\n"
        f"train_dataloader = dict(dataset=dict(regression=True, ann_file='{lists['train']}'))\n"
        f"val_dataloader = dict(dataset=dict(regression=True, ann_file='{lists['val']}'))\n"
        f"test_dataloader = val_dataloader\n"
        f"val_evaluator = dict(_delete_=True, type='RegressionMetric')\n"
        f"test_evaluator = val_evaluator\n")
    work = toy.root / 'work_regression'
    # the classifier's initial weights with the backbones the features came from; the
    # regression head's one output does not fit its two: --partial-load starts it fresh
    run_tool('train.py', config, '--work-dir', work, '--partial-load', '--cfg-options',
             f'load_from={toy.init}', cwd=toy.root)
    run_tool('test.py', config, work / 'epoch_100.pth', '--work-dir', toy.root / 't3',
             '--out', toy.root / 'regression.json', cwd=toy.root)
    mse = read_json(toy.root / 'regression.json')['headline']['mse']
    print(f'toy long videos, regression val MSE {mse:.3f} (predicting the mean: 9.0)')
    assert mse < 0.9, mse


def test_cached_features_equal_live_ones(toy):
    from mmengine.dataset import pseudo_collate

    from uniformer_dense.long_video import _test_dataset, backbone_fingerprint, \
        read_feature_meta
    net = _toy_model(toy.init)
    assert read_feature_meta(str(toy.features))['fingerprint'] == backbone_fingerprint(net)
    net.cfg.val_dataloader.dataset.data_prefix.video = str(toy.data)
    net.cfg.val_dataloader.dataset.ann_file = str(toy.data / 'val_list.txt')
    net.cfg.test_dataloader.dataset.pipeline = net.cfg.val_dataloader.dataset.pipeline
    dataset = _test_dataset(net.cfg, 'val')
    batch = net.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), False)
    with torch.no_grad():
        live, _ = net.extract_feat(batch['inputs'], stage='backbone',
                                   data_samples=batch['data_samples'])
        for i, name in enumerate(('val_0000', 'val_0001')):
            cached = torch.load(toy.features / 'videos' / f'{name}.mp4.pt', weights_only=True)
            assert set(cached) == set(live)
            for key, value in cached.items():
                torch.testing.assert_close(value, live[key][i], rtol=0, atol=1e-5,
                                       msg=lambda m, key=key: f"{key}: {m}")
        cached_in = {k: torch.stack([torch.load(toy.features / 'videos' / f'{n}.mp4.pt',
                                                weights_only=True)[k]
                                     for n in ('val_0000', 'val_0001')]) for k in live}
        torch.testing.assert_close(net(cached_in, mode='tensor', stage='head'),
                                   net(batch['inputs'], batch['data_samples'], mode='tensor',
                                       stage='head'), rtol=0, atol=1e-5)
    # time codes: clips in order, spread over the whole video
    clip_times = live['clip_times'][0]
    assert torch.all(clip_times[1:] > clip_times[:-1])
    assert clip_times[0] < 0.05 and clip_times[-1] > 0.95


def test_chunked_backbones_equal_unchunked_and_checkpointing_keeps_gradients():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 3, 8, 32, 32)
    frozen = _toy_model(chunk_size=1000)
    ref = frozen.extract_stream_features(x)
    frozen.chunk_size = 3  # chunks of 3 over 10 clips / 20 frames: uneven last chunk
    for key, value in frozen.extract_stream_features(x).items():
        torch.testing.assert_close(value, ref[key], rtol=0, atol=1e-5,
                                       msg=lambda m, key=key: f"{key}: {m}")
    assert not any(p.requires_grad for p in frozen.backbones_parameters())

    def grads(with_cp, chunk_size):
        torch.manual_seed(1)
        net = _toy_model(finetune_backbones=True, with_cp=with_cp, chunk_size=chunk_size,
                         **{'backbone.norm_eval': True, 'image_backbone.norm_eval': True})
        net.load_state_dict(frozen.state_dict())
        net.train()
        feats, _ = net.extract_feat(x)
        feats.square().sum().backward()
        return {n: p.grad.clone() for n, p in net.named_parameters() if p.grad is not None}

    plain, checkpointed = grads(False, 1000), grads(True, 3)
    assert any(n.startswith('backbone.') for n in plain)
    assert any(n.startswith('image_backbone.') for n in plain)
    assert plain.keys() == checkpointed.keys()
    for name, grad in plain.items():
        # chunks change the order of fp32 sums: on CI (one thread) an entry ~0.1 of a bias
        # gradient, a sum over every token, moved by 2.2e-5; the bound is relative to the
        # tensor's largest entry, and a lost or doubled term is far outside it
        torch.testing.assert_close(checkpointed[name], grad, rtol=1e-4,
                                   atol=1e-4 * grad.abs().max().item() + 1e-7,
                                   msg=lambda m, name=name: f"{name}: {m}")


def test_multi_label_head_scores_each_class_with_a_sigmoid():
    from mmaction.evaluation import AccMetric
    from mmaction.structures import ActionDataSample
    net = _toy_model(**{'cls_head.num_classes': 3, 'cls_head.multi_class': True,
                        'cls_head.loss_cls': dict(type='BCELossWithLogits')})
    torch.manual_seed(0)
    inputs = dict(static=torch.randn(4, 32, 512), temporal=torch.randn(4, 16, 512),
                  static_times=torch.rand(4, 32), clip_times=torch.rand(4, 16))
    labels = torch.tensor([[1., 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    samples = [ActionDataSample().set_gt_label(y) for y in labels]
    net.train()
    loss = net(inputs, samples, mode='loss')
    assert set(loss) == {'loss_cls'} and torch.isfinite(loss['loss_cls'])
    net.eval()
    with torch.no_grad():
        preds = net(inputs, samples, mode='predict')
        logits = net(inputs, mode='tensor', stage='head')
    scores = torch.stack([p.pred_score for p in preds])
    torch.testing.assert_close(scores, logits.sigmoid())
    metric = AccMetric(metric_list=('mean_average_precision',))
    metric.process(None, [p.to_dict() for p in preds])
    # by hand: per class, the precision at the rank of each positive, averaged; then the
    # mean over classes (the scores are distinct, so no ties)
    aps = []
    for score, label in zip(scores.T.numpy(), labels.T.numpy()):
        hits = label[np.argsort(-score)]
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        aps.append((precision * hits).sum() / hits.sum())
    assert metric.compute_metrics(metric.results)['mean_average_precision'] == \
        pytest.approx(np.mean(aps), abs=1e-6)


@pytest.mark.parametrize('config', LONG_VIDEO_CONFIGS, ids=lambda p: p.stem)
def test_long_video_configs_build(config):
    from uniformer_dense.analysis import build_model, count_params
    cfg = Config.fromfile(str(config))
    model = build_model(cfg, init=False)
    assert type(model).__name__ == 'STAN'
    assert model.finetune_backbones == ('finetune' in config.stem)
    assert count_params(model.backbone) == pytest.approx(21.2e6, rel=0.01)  # video S
    assert count_params(model.image_backbone) == pytest.approx(21.2e6, rel=0.05)  # image S
    sampler = [t for t in cfg.test_dataloader.dataset.pipeline if 'num_clips' in t]
    if sampler:  # live configs: 16 clips of 16 frames (every 4th), one each 7.5 s of 2 min,
        # and 64 static frames over the whole video, their count packed into the metainfo
        assert (sampler[0].type, sampler[0].num_clips, sampler[0].clip_len,
                sampler[0].static_frames) == ('SampleLongVideo', 16, 16, 64)
        pack = cfg.test_dataloader.dataset.pipeline[-1]
        assert {'static_frames', 'frame_times', 'frame_seconds'} <= set(pack.meta_keys)
        assert model.fusion.seconds_horizon == 300
    if 'multilabel' in config.stem:
        assert model.cls_head.multi_class
        assert cfg.test_evaluator.metric_list == ('mean_average_precision',)


def _write_video(path: Path, frames, fps: float) -> None:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.mark.slow
def test_real_two_minute_video_through_tools_test_and_short_video_policy(toy, tmp_path):
    """video_mini's two Kinetics clips, joined and looped to two minutes (8 fps, 64 px
    high), a 3-second video and a half-second one, through tools/test.py: every video is
    classified; the short ones are sampled by the documented policy and named in the log."""
    import decord
    frames = []
    for name in ('demo.mp4', 'test.mp4'):
        reader = decord.VideoReader(str(VIDEO_MINI / name))
        step = max(1, round(reader.get_avg_fps() / 8))
        for i in range(0, len(reader), step):
            rgb = reader[i].asnumpy()
            h, w = rgb.shape[:2]
            frames.append(cv2.resize(rgb[:, :, ::-1], (round(w * 64 / h), 64)))
    looped = [frames[i % len(frames)] for i in range(120 * 8)]
    videos = tmp_path / 'videos'
    videos.mkdir()
    _write_video(videos / 'kinetics_2min.mp4', looped, 8)
    _write_video(videos / 'short.mp4', looped[:24], 8)  # 24 frames < 16 clips x 8
    _write_video(videos / 'tiny.mp4', looped[:4], 8)  # 4 frames < one clip of 8
    (tmp_path / 'list.txt').write_text('kinetics_2min.mp4 0\nshort.mp4 1\ntiny.mp4 0\n')
    config = tmp_path / 'stan_real.py'
    config.write_text(
        f"_base_ = '{TOY}'\n"
        "pipeline = [dict(type='DecordInit'),\n"
        "            dict(type='SampleLongVideo', clip_len=8, frame_interval=1, num_clips=16,\n"
        "                 test_mode=True),\n"
        "            dict(type='DecordDecode'), dict(type='Resize', scale=(-1, 32)),\n"
        "            dict(type='CenterCrop', crop_size=32),\n"
        "            dict(type='FormatShape', input_format='NCTHW'), _base_.pack]\n"
        "test_dataloader = dict(batch_size=1, dataset=dict(\n"
        f"    ann_file='{tmp_path / 'list.txt'}', data_prefix=dict(video='{videos}'),\n"
        "    pipeline=pipeline))\n")
    config = config_dumping_predictions(config, tmp_path / 'stan_dump.py', tmp_path / 'p.pkl')
    proc = run_tool('test.py', config, toy.init, '--work-dir', tmp_path / 'work', '--out',
                    tmp_path / 'out.json', cwd=tmp_path)
    result = read_json(tmp_path / 'out.json')
    scores, labels = dumped_scores(tmp_path / 'p.pkl')
    assert scores.shape == (3, 2) and labels == [0, 1, 0]
    assert result['headline']['top1'] == pytest.approx(topk_accuracy(scores, labels, 1))
    log = proc.stdout + proc.stderr
    assert 'Epoch(test) [3/3]' in log, log[-2000:]
    assert "short.mp4' has 24 frames, fewer than the 128" in log, log[-3000:]
    assert 'the clips overlap' in log
    assert "tiny.mp4' has 4 frames" in log and 'frame indices loop' in log
    assert "kinetics_2min.mp4' has" not in log  # 960 frames: no warning


def _check(cfg_path, **changes):
    from uniformer_dense.datacheck import check_datasets
    cfg = Config.fromfile(str(cfg_path))
    cfg.merge_from_dict(changes)
    check_datasets(cfg, splits=('test',))


def test_bad_long_video_input_is_named(toy, tmp_path):
    from uniformer_dense.datacheck import DatasetError
    videos = tmp_path / 'videos'
    videos.mkdir()
    shutil.copy(toy.data / 'videos' / 'val_0000.mp4', videos / 'good.mp4')
    (videos / 'broken.mp4').write_bytes(b'<html>not a video</html>' * 40)
    lists = tmp_path / 'lists'
    lists.mkdir()

    def check(lines, **dataset):
        ann = lists / f'list{len(list(lists.iterdir()))}.txt'
        ann.write_text(lines)
        _check(TOY, **{'test_dataloader.dataset.ann_file': str(ann),
                       'test_dataloader.dataset.data_prefix.video': str(videos),
                       **{f'test_dataloader.dataset.{k}': v for k, v in dataset.items()}})
        return ann

    check('good.mp4 1\n')  # the control: a sound list passes
    with pytest.raises(DatasetError, match=r"are damaged: line 2: .*broken\.mp4.*not an MP4"):
        check('good.mp4 1\nbroken.mp4 0\n')
    with pytest.raises(DatasetError, match='is empty: no videos listed'):
        check('')
    with pytest.raises(DatasetError, match=r"line 1 \('good.mp4'\) has no label"):
        check('good.mp4\n')
    # multi-label: a class index the model does not have
    with pytest.raises(DatasetError, match=r'list\d+\.txt.*outside 0\.\.1.*line 2: label 5'):
        check('good.mp4 0 1\ngood.mp4 1 5\n', multi_class=True, num_classes=2)
    # cached features: a listed video without its feature file
    cached_list = lists / 'cached.txt'
    cached_list.write_text('videos/val_0000.mp4 0\nvideos/val_9999.mp4 1\n')
    with pytest.raises(DatasetError, match=r'no cached features.*val_9999\.mp4\.pt.*'
                                           r'extract_features\.py'):
        _check(TOY_CACHED, **{'test_dataloader.dataset.ann_file': str(cached_list),
                              'test_dataloader.dataset.data_prefix.video': str(toy.features)})
    assert (videos / 'broken.mp4').exists() and (videos / 'good.mp4').exists()


def test_features_of_other_backbones_are_refused(toy):
    from uniformer_dense.datacheck import DatasetError
    from uniformer_dense.long_video import STANFeatureCheckHook
    hook = STANFeatureCheckHook(str(toy.features))
    hook.before_train(types.SimpleNamespace(model=_toy_model(toy.init)))  # same weights: fine
    torch.manual_seed(123)
    other = _toy_model()  # freshly initialised backbones
    with pytest.raises(DatasetError, match='extracted with other backbone weights'):
        hook.before_train(types.SimpleNamespace(model=other))
    with pytest.raises(DatasetError, match='has no stan_features.json'):
        STANFeatureCheckHook(str(toy.root)).before_test(types.SimpleNamespace(model=other))


def test_stan_needs_clip_sets():
    net = _toy_model()
    with pytest.raises(ValueError, match=r'\(B, M clips, 3, T, H, W\).*SampleLongVideo'):
        net.extract_stream_features(torch.randn(2, 3, 8, 32, 32))
    with pytest.raises(KeyError, match="lacks \\['clip_times'\\]"):
        net.extract_feat(dict(static=torch.randn(1, 2, 512), temporal=torch.randn(1, 2, 512),
                              static_times=torch.rand(1, 2)))


def test_stan_parts_are_registered_in_mmaction():
    from mmaction.registry import DATASETS, MODELS, TRANSFORMS
    from mmengine.registry import HOOKS

    from uniformer_dense import long_video
    from uniformer_dense.models import stan
    assert MODELS.module_dict['STAN'] is stan.STAN
    assert MODELS.module_dict['STANHead'] is stan.STANHead
    assert MODELS.module_dict['STANDataPreprocessor'] is stan.STANDataPreprocessor
    for name in ('SampleLongVideo', 'LoadSTANFeatures', 'PackSTANFeatures'):
        assert TRANSFORMS.module_dict[name] is getattr(long_video, name)
    assert DATASETS.module_dict['STANFeatureDataset'] is long_video.STANFeatureDataset
    assert HOOKS.module_dict['STANFeatureCheckHook'] is long_video.STANFeatureCheckHook
    # MMAction2's own recognisers are untouched
    assert MODELS.get('Recognizer3D').__module__.startswith('mmaction.')


def test_apis_classify_a_long_video(toy):
    from uniformer_dense.apis import inference, init_model, top_k
    model = init_model(str(TOY), str(toy.init))
    result = inference(model, str(toy.data / 'videos' / 'val_0000.mp4'))
    ranked = top_k(model, result, 5)  # two classes: both, softmax scores
    assert {label for label, _ in ranked} == {0, 1}
    assert len(ranked) == 2 and sum(score for _, score in ranked) == pytest.approx(1, abs=1e-5)


def _sampler(static_frames, test_mode=True, **kwargs):
    from uniformer_dense.long_video import SampleLongVideo
    return SampleLongVideo(clip_len=16, frame_interval=4, num_clips=16,
                           static_frames=static_frames, test_mode=test_mode, **kwargs)


def test_static_frames_are_spread_over_the_whole_video_and_packed_after_the_clips():
    total, fps = 3600, 30.  # two minutes
    out = _sampler(64)(dict(total_frames=total, start_index=0, avg_fps=fps))
    inds = out['frame_inds']
    assert len(inds) == 16 * 16 + 64 and out['num_clips'] == 16 + 64 // 16
    assert out['static_frames'] == 64
    static = inds[256:]
    # test mode: the centre of each of 64 equal segments of the video
    np.testing.assert_array_equal(static, np.floor((np.arange(64) + .5) * total / 64))
    np.testing.assert_allclose(out['frame_times'], inds / (total - 1), rtol=1e-6)
    np.testing.assert_allclose(out['frame_seconds'], inds / fps, rtol=1e-6)
    # training: one random frame inside each segment, a different draw each time
    train = _sampler(64, test_mode=False)
    draws = [train(dict(total_frames=total, start_index=0, avg_fps=fps))['frame_inds'][256:]
             for _ in range(2)]
    segment = np.arange(64) * total / 64
    for d in draws:
        assert np.all(d >= np.floor(segment)) and np.all(d < segment + total / 64)
    assert not np.array_equal(*draws)
    # the clips are MMAction2's SampleFrames, unchanged by the static frames
    assert np.array_equal(inds[:256], _sampler(0)(dict(total_frames=total,
                                                       start_index=0))['frame_inds'])
    with pytest.raises(ValueError, match=r'static_frames=40.*multiple of clip_len=16'):
        _sampler(40)


def test_whole_video_sampling_covers_what_in_clip_sampling_misses():
    """Coverage against the arithmetic of the sampling: each clip spans (16 - 1) x 4 + 1 = 61
    frames, so 16 clips that do not overlap cover 16 x 61 frames; 64 static frames 1.875 s
    apart, each reaching 1 s either side, leave no frame of a 2-minute video out."""
    from uniformer_dense.long_video import sampling_coverage
    for seconds in (120, 300):
        total = seconds * 30
        old = sampling_coverage(_sampler(0), total, 30.)
        new = sampling_coverage(_sampler(64), total, 30.)
        assert old['clips'] == new['clips'] == pytest.approx(16 * 61 / total)
        assert old['static_frames'] == 32 and new['static_frames'] == 64
        # the in-clip static frames reach at most 1 s (30 frames) past each clip's ends
        assert old['covered'] <= 16 * (61 + 60) / total + 1e-9
        assert new['covered'] >= old['covered']
    two_min = sampling_coverage(_sampler(64), 3600, 30.)
    assert two_min['covered'] == 1.0 and two_min['static'] == 1.0
    five_min = sampling_coverage(_sampler(64), 9000, 30.)  # 64 x 61 frames within 1 s
    assert five_min['static'] == pytest.approx(64 * 61 / 9000)


def test_stan_gives_the_clips_to_the_video_backbone_and_the_static_frames_to_the_image_one():
    from mmaction.structures import ActionDataSample
    model = _toy_model()  # no image_mean/std: the image backbone gets the frames as they are
    seen = {}
    model.backbone.register_forward_pre_hook(
        lambda m, args: seen.setdefault('video', []).append(args[0]))
    model.image_backbone.register_forward_pre_hook(
        lambda m, args: seen.setdefault('image', []).append(args[0]))
    t, m, n = 8, 4, 16  # the toy's clips are 8 frames: 16 static frames are 2 packed clips
    x = torch.randn(1, m + n // t, 3, t, 32, 32)
    times = np.linspace(0, 1, (m + n // t) * t, dtype=np.float32)
    sample = ActionDataSample(metainfo=dict(static_frames=n, frame_times=times))
    with torch.no_grad():
        feats = model.extract_stream_features(x, [sample])
    video = torch.cat(seen['video'])
    image = torch.cat(seen['image'])
    assert torch.equal(video, x[0, :m])
    assert torch.equal(image, x[0, m:].permute(0, 2, 1, 3, 4).flatten(0, 1))
    assert feats['static'].shape[:2] == (1, n) and feats['temporal'].shape[:2] == (1, m)
    assert torch.equal(feats['static_times'][0], torch.from_numpy(times[m * t:]))
    assert torch.allclose(feats['clip_times'][0],
                          torch.from_numpy(times[:m * t].reshape(m, t).mean(1)))
    odd = ActionDataSample(metainfo=dict(static_frames=12, frame_times=times))
    with pytest.raises(ValueError, match='static_frames=12'):
        model.extract_stream_features(x, [odd])


def test_time_codes_in_seconds_match_across_video_lengths():
    """With seconds_horizon, half of a token's time code is its time in seconds: the same
    moment (30 s in) of a 1- and a 2-minute video gets the same seconds half and different
    fraction halves; without the seconds the fusion says what to add."""
    from uniformer_dense.models.stan import TwoStreamTransformer, time_encoding
    fusion = TwoStreamTransformer(8, 8, embed_dim=16, depth=1, num_heads=2,
                                  seconds_horizon=300.)
    one_min = fusion.time_code(torch.tensor([30 / 60]), torch.tensor([30.]))
    two_min = fusion.time_code(torch.tensor([30 / 120]), torch.tensor([30.]))
    assert torch.equal(one_min[..., 8:], two_min[..., 8:])
    assert torch.equal(one_min[..., 8:], time_encoding(torch.tensor([.1]), 8))
    assert not torch.allclose(one_min[..., :8], two_min[..., :8])
    tokens = [torch.randn(1, 3, 8), torch.randn(1, 2, 8), torch.rand(1, 3), torch.rand(1, 2)]
    with pytest.raises(ValueError, match='seconds_horizon=300.*frame_seconds'):
        fusion(*tokens)
    assert fusion(*tokens, tokens[2] * 120, tokens[3] * 120).shape == (1, 16)


def test_timeline_scores_each_segment_from_its_own_tokens(toy):
    from uniformer_dense.apis import inference, init_model, long_video_timeline
    model = init_model(str(TOY), str(toy.init))
    video = toy.data / 'videos' / 'val_0000.mp4'
    timeline = long_video_timeline(model, str(video))
    # the video's scores are inference()'s (one decode and one backbone pass serve both)
    torch.testing.assert_close(timeline['result'].pred_score,
                               inference(model, str(video)).pred_score, rtol=0, atol=1e-6)
    scores = timeline['segment_scores']
    assert scores.shape == (16, 2)
    np.testing.assert_allclose(scores.sum(1), 1, atol=1e-5)  # softmax per segment
    assert timeline['seconds'] == pytest.approx(480 / 4, abs=1e-3)  # the toy: 480 frames, 4 fps
    starts, ends = zip(*timeline['segments'])
    assert starts[0] == 0 and ends[-1] == pytest.approx(timeline['seconds'])
    assert all(a == pytest.approx(b) for a, b in zip(ends[:-1], starts[1:]))
    # segment 3 sees its clip and the static frames inside its sixteenth of the video only:
    # changing every other token leaves its scores and moves its neighbour's
    from mmengine.dataset import Compose
    from uniformer_dense.apis import _test_pipeline
    sample = Compose(_test_pipeline(model.cfg))(dict(filename=str(video), label=-1,
                                                     start_index=0, modality='RGB'))
    feats = model.sample_features([sample])
    before = model.segment_scores(feats)[0]
    torch.testing.assert_close(before.numpy(), scores)
    inside = ((feats['static_times'][0] * 16).long().clamp(0, 15) == 3)
    assert inside.sum() == 2  # the toy's 2 frames inside each clip
    changed = {k: v.clone() for k, v in feats.items()}
    noise = torch.Generator().manual_seed(0)  # not a constant: the projections' LayerNorm
    static, temporal = changed['static'][0], changed['temporal'][0]  # would remove a shift
    static[~inside] += 3 * torch.randn(static[~inside].shape, generator=noise)
    others = torch.arange(16) != 3
    temporal[others] += 3 * torch.randn(temporal[others].shape, generator=noise)
    after = model.segment_scores(changed)[0]
    torch.testing.assert_close(after[3], before[3])
    assert not torch.allclose(after[4], before[4], atol=1e-4)


def test_demo_draws_the_timeline_of_a_long_video(toy, tmp_path):
    video = toy.data / 'videos' / 'val_0001.mp4'
    out = tmp_path / 'timeline.png'
    proc = run_tool('demo.py', video, '--model', TOY, '--checkpoint', toy.init, '--out', out,
                    '--top-k', 2)
    lines = proc.stdout.splitlines()
    assert f'top-2 classes of {video}:' in lines
    start = lines.index('best class of each of 16 segments:')
    segments = lines[start + 1:start + 17]
    assert segments[0].startswith('0:00.0-0:07.5 ') and segments[-1].startswith('1:52.5-2:00.0 ')
    assert all(line.split()[-1] in ('class 0', 'class 1') or line.endswith(('0', '1'))
               for line in segments)
    assert f'timeline drawn to {out}' in proc.stdout
    picture = cv2.imread(str(out))
    assert picture is not None and picture.shape[1] == 1000  # 10 in x 100 dpi


@pytest.mark.slow
def test_augmented_views_are_cached_and_one_is_read_per_epoch(toy, tmp_path):
    """extract_features.py --views 3: three augmented views per training video in its file,
    each the live train pipeline's features for its seed; FeatureViewSampler reads one view
    per epoch, another in another epoch, the same again for a resumed epoch."""
    from mmengine.runner import set_random_seed
    from uniformer_dense.apis import init_model
    from uniformer_dense.long_video import (STANFeatureDataset, FeatureViewSampler,
                                            _stream_features, _test_dataset, _train_pipeline,
                                            view_seed)
    listed = (toy.data / 'train_list.txt').read_text().splitlines()[:4]
    (tmp_path / 'train4.txt').write_text('\n'.join(listed) + '\n')
    config = tmp_path / 'toy_augmented.py'
    config.write_text(
        f'_base_ = {str(TOY)!r}\n'
        f"data_root = {str(toy.data)!r}\n"
        "train_pipeline = [dict(type='DecordInit'), dict(_base_.sampling, test_mode=False),\n"
        "                  dict(type='DecordDecode'), dict(type='Flip', flip_ratio=0.5),\n"
        "                  dict(type='FormatShape', input_format='NCTHW'), _base_.pack]\n"
        f"train_dataloader = dict(dataset=dict(ann_file={str(tmp_path / 'train4.txt')!r},\n"
        "    data_prefix=dict(video=data_root), pipeline=train_pipeline))\n")
    features = tmp_path / 'features'
    proc = run_tool('extract_features.py', config, toy.init, '--out-dir', features,
                    '--splits', 'train', '--views', 3, cwd=toy.root)
    assert '4 feature files written, 0 kept' in proc.stdout
    assert 'per 1000 videos' in proc.stdout
    rel = listed[0].split()[0]
    cached = torch.load(features / f'{rel}.pt', weights_only=True)
    assert int(cached['views']) == 3 and cached['static'].shape[0] == 3
    assert not torch.allclose(cached['static_times'][0], cached['static_times'][1])
    # view 1, made again live from its seed, equals the cache
    model = init_model(str(config), str(toy.init))
    live_set = _test_dataset(model.cfg, 'train', _train_pipeline(model.cfg))
    set_random_seed(view_seed(rel, 1))
    live = _stream_features(model, live_set[0])
    for key in ('static', 'temporal', 'static_times', 'clip_times'):
        torch.testing.assert_close(live[key], cached[key][1], rtol=1e-5, atol=1e-6)
    # one view per epoch, drawn from (epoch, seed, index)
    dataset = STANFeatureDataset(ann_file=str(tmp_path / 'train4.txt'),
                                 data_prefix=dict(video=str(features)),
                                 pipeline=[dict(type='LoadSTANFeatures')])
    sampler = FeatureViewSampler(dataset, shuffle=True, seed=7)

    def epoch_views(epoch):
        sampler.set_epoch(epoch)
        out = {}
        for key in sampler:
            item = dataset[key]
            out[key[0]] = item['feature_view']
            view = cached if key[0] == 0 else None
            if view is not None:
                torch.testing.assert_close(item['stan_features']['static'],
                                           cached['static'][item['feature_view']])
        return out
    seen = [epoch_views(e) for e in range(4)]
    assert all(set(v) == {0, 1, 2, 3} for v in seen)
    assert any(len({s[i] for s in seen}) > 1 for i in range(4))  # views change over epochs
    assert epoch_views(2) == seen[2]  # a resumed epoch reads the same views
    # another number of views into the same directory is refused, nothing overwritten
    again = run_tool('extract_features.py', config, toy.init, '--out-dir', features,
                     '--splits', 'train', '--views', 2, cwd=toy.root, check=False)
    assert again.returncode != 0 and '3 view(s) per training video' in again.stderr


def test_a_single_stream_fusion_attends_over_that_stream_only():
    """The stream ablation's switch: fusion.streams=('static',) has no temporal projection
    and its class token does not move when the temporal features do (and the other way
    round); a stream that does not exist is named."""
    from uniformer_dense.models.stan import TwoStreamTransformer
    torch.manual_seed(0)
    tokens = dict(static=torch.randn(2, 5, 8), temporal=torch.randn(2, 3, 12),
                  static_times=torch.rand(2, 5), clip_times=torch.rand(2, 3))
    other = dict(tokens, static=torch.randn(2, 5, 8), temporal=torch.randn(2, 3, 12))
    for streams, changed in ((('static',), 'temporal'), (('temporal',), 'static')):
        fusion = TwoStreamTransformer(8, 12, embed_dim=16, depth=1, num_heads=2,
                                      dropout=0., streams=streams).eval()
        assert getattr(fusion, f'{changed}_proj') is None
        swapped = dict(tokens, **{changed: other[changed]})
        kept = dict(tokens, **{streams[0]: other[streams[0]]})
        with torch.no_grad():
            out = fusion(**tokens)
            assert torch.equal(out, fusion(**swapped))
            assert not torch.allclose(out, fusion(**kept))
    both = TwoStreamTransformer(8, 12, embed_dim=16, depth=1, num_heads=2, dropout=0.).eval()
    with torch.no_grad():
        assert not torch.allclose(both(**tokens), both(**dict(tokens, temporal=other['temporal'])))
    with pytest.raises(ValueError, match="streams=\\('audio',\\)"):
        TwoStreamTransformer(8, 12, streams=('audio',))


@pytest.mark.slow
def test_each_stream_sees_what_the_other_cannot(tmp_path):
    """The stream ablation of benchmarks/stream_ablation.py (its toys, config and training
    budget; one training seed and 2 views per training video here, 3 seeds and 4 views for
    the table in docs/long_video.md). Each single stream stays near chance on the toy built
    against it (at most 0.75 of 32 videos; chance 0.50): the static stream on the motion
    toy, the temporal stream and the old in-clip static frames on the brief-appearance toy
    (their 1-s clips in every 12 s overlap its 2 s in about a quarter of the videos, so
    about 0.62 is the most they can reach); two-stream STAN is within 0.10 (3 videos) of the
    better single stream on every toy and at least 0.20 above the blind one on the two
    built against a stream."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'stream_ablation', REPO / 'benchmarks' / 'stream_ablation.py')
    ablation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ablation)
    results = ablation.run(tmp_path, seeds=(0,), views=2)
    top1 = {toy: {name: accs[0] for name, accs in rows.items()}
            for toy, rows in results.items()}
    print(top1)
    for variant, toy in ablation.BUILT_AGAINST.items():
        assert top1[toy][variant] <= 0.75, (toy, variant, top1[toy])
        assert top1[toy]['two-stream'] >= top1[toy][variant] + 0.20, (toy, top1[toy])
    old = top1['appearance'][ablation.OLD_SAMPLER]
    assert old <= 0.75 and top1['appearance']['two-stream'] >= old + 0.20, top1['appearance']
    for toy, row in top1.items():
        best_single = max(row['static only'], row['temporal only'])
        assert row['two-stream'] >= best_single - 0.10, (toy, row)


def test_stream_dropout_hides_one_whole_stream_per_video_in_training_only():
    """fusion.stream_dropout=p: in training each video loses, with probability p, all the
    tokens of one stream (static or temporal, never the class token), and its class token
    then does not depend on them; at test nothing is hidden."""
    from uniformer_dense.models.stan import TwoStreamTransformer
    torch.manual_seed(0)
    b, n, m = 16, 5, 3
    tokens = dict(static=torch.randn(b, n, 8), temporal=torch.randn(b, m, 12),
                  static_times=torch.rand(b, n), clip_times=torch.rand(b, m))
    fusion = TwoStreamTransformer(8, 12, embed_dim=16, depth=1, num_heads=2, dropout=0.,
                                  stream_dropout=0.9).train()
    for stream, changed in (('static', dict(static=torch.randn(b, n, 8))),
                            ('temporal', dict(temporal=torch.randn(b, m, 12)))):
        torch.manual_seed(3)  # the same draw of hidden streams for the three calls
        hidden = fusion._hidden_stream(n, m, b, 'cpu')
        torch.manual_seed(3)
        out = fusion(**tokens)
        torch.manual_seed(3)
        out_changed = fusion(**dict(tokens, **changed))
        assert not hidden[:, 0].any()
        cols = slice(1, 1 + n) if stream == 'static' else slice(1 + n, None)
        rows = hidden[:, cols].all(1)
        assert torch.equal(hidden[:, cols].any(1), rows)  # a stream is hidden whole or not
        assert 0 < rows.sum() < b
        torch.testing.assert_close(out[rows], out_changed[rows], rtol=0, atol=1e-6)
        assert not torch.allclose(out[~rows], out_changed[~rows])
    never_both = ~(hidden[:, 1:1 + n].all(1) & hidden[:, 1 + n:].all(1))
    assert never_both.all()
    fusion.eval()
    with torch.no_grad():
        plain = TwoStreamTransformer(8, 12, embed_dim=16, depth=1, num_heads=2, dropout=0.)
        plain.load_state_dict(fusion.state_dict())
        torch.testing.assert_close(fusion(**tokens), plain.eval()(**tokens))
    with pytest.raises(ValueError, match='stream_dropout=1'):
        TwoStreamTransformer(8, 12, stream_dropout=1)
