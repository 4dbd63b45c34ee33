"""Video data for real: the generated toy videos, a real Kinetics-400 clip through
tools/test.py, and video lists broken the way real ones break.

Each fault test damages a generated toy video set and asserts the error names the config
key or list file, the line and the path, and says what to do: raised before the runner
starts when a few header bytes or the list itself tell (missing list, missing video, label
outside the classifier, malformed line, empty / non-video / truncated file), or naming the
file when the sample is loaded when only decoding tells (a damaged stream).
"""
import logging
import struct

import numpy as np
import pytest

from by_hand import config_dumping_predictions, dumped_scores, topk_accuracy
from reference import SHARED, require_shared
from tools_cli import REPO, read_json, run_tool, untrained_checkpoint
from uniformer_dense import harness
from uniformer_dense.datacheck import DatasetError
from uniformer_dense.datacheck.videofile import video_file_problem

TOY = REPO / 'configs' / 'toy' / 'uniformer_video_s_toy.py'
S16X4 = REPO / 'configs' / 'video' / 'uniformer_video_s_16x4_k400.py'
VIDEO_MINI = SHARED / 'data' / 'video_mini'


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A small toy video set under tmp_path/data/toy/video, where the toy config's relative
    data_root resolves."""
    from uniformer_dense.toy_data import make_toy_videos
    root = make_toy_videos(tmp_path / 'data' / 'toy' / 'video', n_train=8, n_val=4)
    monkeypatch.chdir(tmp_path)
    return root


def _check(config=TOY, splits=('train', 'val'), **options):
    cfg = harness.load_config(str(config), options or None)
    harness.prepare_data(cfg, splits)
    return cfg


def _dataset(cfg, split='val'):
    import uniformer_dense  # noqa: F401  (MMAction2 import fix, registration)
    from mmaction.registry import DATASETS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    return DATASETS.build(cfg[f'{split}_dataloader'].dataset)


def _edit_line(path, lineno, text):
    lines = path.read_text().splitlines()
    lines[lineno - 1] = text
    path.write_text('\n'.join(lines) + '\n')


# --- the toy set ---------------------------------------------------------------------------

def test_toy_videos_decode_in_mmaction2_list_format(toy):
    import decord
    from uniformer_dense.toy_data import VIDEO_CLASSES
    train = (toy / 'train_list.txt').read_text().splitlines()
    val = (toy / 'val_list.txt').read_text().splitlines()
    shuffled = (toy / 'val_shuffled_list.txt').read_text().splitlines()
    assert len(train) == 8 and len(val) == len(shuffled) == 4
    labels = [int(line.split()[1]) for line in train]
    assert sorted(labels) == sorted(list(range(len(VIDEO_CLASSES))) * 2)  # balanced
    assert [s.split()[1] for s in shuffled] == [v.split()[1] for v in val]
    original = decord.VideoReader(str(toy / val[0].split()[0]))
    frames = original.get_batch(list(range(len(original)))).asnumpy()
    assert frames.shape == (16, 64, 64, 3)
    mixed = decord.VideoReader(str(toy / shuffled[0].split()[0]))
    mixed = mixed.get_batch(list(range(len(mixed)))).asnumpy().astype(np.float32)
    # the shuffled copy holds the same frames (up to coding noise), in another order
    errors = ((mixed[:, None] - frames[None].astype(np.float32)) ** 2).mean((2, 3, 4))
    order = errors.argmin(1)
    assert errors.min(1).max() < 50 and sorted(order) == list(range(16))
    assert list(order) != list(range(16))


def test_toy_videos_are_deterministic(tmp_path):
    from uniformer_dense.toy_data import make_toy_videos
    a = make_toy_videos(tmp_path / 'a', n_train=4, n_val=0)
    b = make_toy_videos(tmp_path / 'b', n_train=4, n_val=0)
    for video in sorted((a / 'videos').iterdir()):
        assert video.read_bytes() == (b / 'videos' / video.name).read_bytes()


def test_toy_motion_is_the_only_cue():
    """In the first and in the last frame the squares sit anywhere, whatever the class; only
    their motion from frame to frame follows the class's two directions. (2-pixel squares
    here, smaller than any step, so that a square overlaps itself only at its true shift.)"""
    from uniformer_dense.toy_data import VIDEO_CLASSES, VIDEO_COLOUR, _video_frames
    rng = np.random.default_rng(0)
    halves = np.zeros((len(VIDEO_CLASSES), 2, 4))  # class, frame 0/15, left/right/top/bottom
    for label, name in enumerate(VIDEO_CLASSES):
        dx = 1 if name.startswith('right') else -1
        dy = 1 if name.endswith('down') else -1
        for _ in range(96):
            frames = np.stack(_video_frames(rng, label, 64, 16, 2))
            square = (np.abs(frames.astype(int) - VIDEO_COLOUR).max(-1) < 25).astype(float)
            assert square.sum((1, 2)).min() >= 4  # squares drawn in every frame
            for i, t in enumerate((0, 15)):
                halves[label, i] += [square[t, :, :32].sum(), square[t, :, 32:].sum(),
                                     square[t, :32].sum(), square[t, 32:].sum()]
            # corr[t, y, x]: overlap of frame t shifted by (y, x) with frame t + 1
            spectra = np.fft.fft2(square)
            corr = np.real(np.fft.ifft2(spectra[:-1].conj() * spectra[1:]))
            for shift in (lambda s: (0, dx * s), lambda s: (dy * s, 0)):
                forward = max(corr[:, shift(s)[0] % 64, shift(s)[1] % 64].sum()
                              for s in (2, 3, 4))
                backward = max(corr[:, -shift(s)[0] % 64, -shift(s)[1] % 64].sum()
                               for s in (2, 3, 4))
                assert forward >= 15 * 4 and backward < 0.25 * forward
    share = halves / halves.sum(-1, keepdims=True) * 4  # 1.0 each when spread evenly
    assert np.abs(share - 1).max() < 0.25, share


# --- a real Kinetics-400 clip --------------------------------------------------------------

def test_real_kinetics_clip_through_tools_test(tmp_path):
    """demo.mp4 (arm wrestling, 280 frames 340x256, H.264) decodes and is evaluated by the
    K400 UniFormer-S 16x4 config (untrained weights, 1 clip): the metric set, and its values
    those of the saved scores counted here."""
    video = require_shared(VIDEO_MINI / 'demo.mp4')
    classes = (VIDEO_MINI / 'label_map_k400_mmaction2.txt').read_text().splitlines()
    assert len(classes) == 400
    label = classes.index('arm wrestling')
    (tmp_path / 'list.txt').write_text(f'{video.name} {label}\n')
    assert video_file_problem(str(video)) is None
    ckpt = untrained_checkpoint(S16X4, tmp_path / 'untrained.pth')
    out = tmp_path / 'metrics.json'
    saved = tmp_path / 'predictions.pkl'
    config = config_dumping_predictions(S16X4, tmp_path / 'dumping.py', saved)
    run_tool('test.py', config, ckpt, '--work-dir', tmp_path / 'work', '--out', out,
             '--cfg-options', f'test_dataloader.dataset.ann_file={tmp_path / "list.txt"}',
             f'test_dataloader.dataset.data_prefix.video={VIDEO_MINI}',
             'test_dataloader.dataset.pipeline.1.num_clips=1',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
             cwd=tmp_path)
    result = read_json(out)
    assert result['task'] == 'action'
    assert set(result['headline']) == {'top1', 'top5', 'mean_class_acc'}
    assert {'acc/top1', 'acc/top5', 'acc/mean1'} <= set(result['metrics'])
    # AccMetric's numbers are those of the saved 400 scores and label, counted with numpy
    # (one video of one class: its mean class accuracy is its top-1)
    scores, labels = dumped_scores(saved)
    assert scores.shape == (1, 400) and labels == [label]
    top1, top5 = topk_accuracy(scores, labels, 1), topk_accuracy(scores, labels, 5)
    assert result['headline'] == pytest.approx(dict(top1=top1, top5=top5, mean_class_acc=top1),
                                               abs=1e-9), (scores.argsort()[0, -5:], label)


# --- checks before the run -----------------------------------------------------------------

def test_intact_toy_videos_pass_and_get_checking_decoders(toy):
    cfg = _check(splits=('train', 'val', 'test'))
    for split in ('train', 'val', 'test'):
        steps = [t['type'] for t in cfg[f'{split}_dataloader'].dataset.pipeline]
        assert steps[:3] == ['CheckedDecordInit', 'SampleFrames', 'CheckedDecordDecode']
    assert cfg.train_dataloader.dataset.pipeline[0]['min_frames'] == 16  # 8 x 2
    sample = _dataset(cfg)[0]
    assert tuple(sample['inputs'].shape) == (1, 3, 8, 64, 64)


def test_missing_list_file(toy):
    with pytest.raises(DatasetError) as exc:
        _check(**{'train_dataloader.dataset.ann_file': 'train_list_v2.txt'})
    msg = str(exc.value)
    assert "train_dataloader.dataset.ann_file: 'data/toy/video/train_list_v2.txt' does not " \
           "exist" in msg
    assert '"PATH LABEL"' in msg and '--cfg-options train_dataloader.dataset.ann_file=' in msg


def test_listed_video_that_does_not_exist(toy):
    (toy / 'videos' / 'train_0005.mp4').unlink()
    with pytest.raises(DatasetError) as exc:
        _check()
    msg = str(exc.value)
    assert "1 of the 8 videos listed in 'data/toy/video/train_list.txt' are missing" in msg
    assert "line 6: 'videos/train_0005.mp4' ('data/toy/video/videos/train_0005.mp4')" in msg
    assert 'remove their lines from the list' in msg


def test_label_outside_num_classes(toy):
    _edit_line(toy / 'val_list.txt', 3, 'videos/val_0002.mp4 7')
    with pytest.raises(DatasetError) as exc:
        _check()
    msg = str(exc.value)
    assert msg.startswith("val_dataloader.dataset.ann_file: 'data/toy/video/val_list.txt'")
    assert 'line 3: label 7' in msg and 'model.cls_head.num_classes=4' in msg
    assert 'outside 0..3' in msg
    # the same list is fine for a head with more classes
    _check(**{'model.cls_head.num_classes': 8})


@pytest.mark.parametrize('text,expected', [
    ('', 'line 2 is empty'),
    ('videos/train_0001.mp4', "line 2 ('videos/train_0001.mp4') has no label"),
    ('videos/train_0001.mp4 ellipse', "line 2: label 'ellipse' is not an integer"),
    ('videos/train 0001.mp4 1', 'line 2 (\'videos/train 0001.mp4 1\') has 3 fields'),
])
def test_malformed_list_line(toy, text, expected):
    _edit_line(toy / 'train_list.txt', 2, text)
    with pytest.raises(DatasetError, match=expected.replace('(', r'\(').replace(')', r'\)')):
        _check()


def test_video_of_random_bytes(toy):
    bad = toy / 'videos' / 'train_0003.mp4'
    bad.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(DatasetError) as exc:
        _check()
    msg = str(exc.value)
    assert "1 of the 8 videos listed in 'data/toy/video/train_list.txt' are damaged" in msg
    assert ("line 4: 'data/toy/video/videos/train_0003.mp4': not an MP4/QuickTime file"
            in msg)
    assert 'ffmpeg' in msg and 'remove their lines' in msg


def test_mp4_cut_in_half_and_empty_file(toy):
    half = toy / 'videos' / 'val_0001.mp4'
    half.write_bytes(half.read_bytes()[:half.stat().st_size // 2])
    (toy / 'videos' / 'val_0002.mp4').write_bytes(b'')
    with pytest.raises(DatasetError) as exc:
        _check()
    msg = str(exc.value)
    assert "2 of the 4 videos listed in 'data/toy/video/val_list.txt' are damaged" in msg
    assert "line 2: 'data/toy/video/videos/val_0001.mp4': truncated: its 'mdat' box" in msg
    assert "line 3: 'data/toy/video/videos/val_0002.mp4': the file is empty" in msg


def test_damaged_files_through_tools_train_stop_before_any_checkpoint(toy):
    (toy / 'videos' / 'train_0000.mp4').write_bytes(b'not a video at all')
    work = toy.parents[2] / 'w'
    proc = run_tool('train.py', TOY, '--work-dir', work, cwd=toy.parents[2], check=False)
    # the message alone, no traceback (a user's error, not a bug); --debug shows it
    assert proc.returncode == 2 and 'train.py: error: ' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert "line 1: 'data/toy/video/videos/train_0000.mp4': not an MP4" in proc.stderr
    assert not work.exists() or not list(work.rglob('*.pth'))


def _blank_moov(path):
    """Zero the moov box's payload: the box chain stays intact, the index is gone."""
    data = bytearray(path.read_bytes())
    i = data.find(b'moov')
    size = struct.unpack('>I', data[i - 4:i])[0]
    data[i + 4:i - 4 + size] = bytes(size - 8)
    path.write_bytes(bytes(data))


def _garble_frames(path):
    """Random bytes over the coded frames (mdat payload), sizes and index intact."""
    data = bytearray(path.read_bytes())
    i = data.find(b'mdat')
    size = struct.unpack('>I', data[i - 4:i])[0]
    data[i + 54:i - 4 + size] = np.random.default_rng(1).bytes(size - 58)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize('damage,expected', [
    (_blank_moov, r"Video '.*val_0001.mp4' cannot be opened by decord \(DECORDError"),
    (_garble_frames, r"Video '.*val_0001.mp4': decoding failed \(frames 0..14 of 16\) "
                     r"\(DECORDError"),
])
def test_damage_only_decoding_finds_names_the_file_when_loaded(toy, damage, expected):
    damage(toy / 'videos' / 'val_0001.mp4')
    cfg = _check()  # the container looks sound: passes the checks before the run
    dataset = _dataset(cfg)
    dataset[0]
    with pytest.raises(DatasetError, match=expected) as exc:
        dataset[1]
    assert 'ffmpeg -i IN' in str(exc.value) and 'remove its line' in str(exc.value)


def test_unknown_format_with_bad_content_names_the_file_when_loaded(toy):
    (toy / 'videos' / 'val_0000.webm').write_bytes(b'\x1a\x45\xdf\xa3' + bytes(500))
    (toy / 'videos' / 'val_0003.flv').write_bytes(np.random.default_rng(2).bytes(3000))
    for line, name in ((1, 'val_0000.webm'), (4, 'val_0003.flv')):
        _edit_line(toy / 'val_list.txt', line, f'videos/{name} {line - 1}')
    dataset = _dataset(_check())
    for index, name in ((0, 'val_0000.webm'), (3, 'val_0003.flv')):
        with pytest.raises(DatasetError, match=rf"Video '.*{name}' cannot be opened by decord"):
            dataset[index]


@pytest.mark.slow
def test_decode_error_through_a_dataloader_worker(toy):
    _blank_moov(toy / 'videos' / 'train_0002.mp4')
    work = toy.parents[2] / 'w'
    proc = run_tool('train.py', TOY, '--work-dir', work, '--cfg-options',
                    'train_dataloader.num_workers=1', 'train_cfg.max_epochs=1',
                    cwd=toy.parents[2], check=False)
    assert proc.returncode != 0
    assert 'in DataLoader worker process 0' in proc.stderr
    assert "Video 'data/toy/video/videos/train_0002.mp4' cannot be opened by decord" \
        in proc.stderr
    assert not list(work.rglob('*.pth'))


# --- the other list datasets ---------------------------------------------------------------

def test_repeat_aug_dataset_list_of_the_k400_config(toy):
    """The K400 config's train set (RepeatAugDataset) is checked like a VideoDataset."""
    options = {'train_dataloader.dataset.ann_file': 'data/toy/video/train_list.txt',
               'train_dataloader.dataset.data_prefix.video': 'data/toy/video',
               'val_dataloader.dataset.ann_file': 'data/toy/video/val_list.txt',
               'val_dataloader.dataset.data_prefix.video': 'data/toy/video'}
    cfg = _check(S16X4, **options)
    assert cfg.train_dataloader.dataset.type == 'CheckedRepeatAugDataset'
    assert cfg.train_dataloader.dataset.min_frames == 64
    dataset = _dataset(cfg, 'train')
    assert [type(t).__name__ for t in dataset.pipeline.transforms[:3]] == [
        'CheckedDecordInit', 'SampleFrames', 'CheckedDecordDecode']
    views = dataset[0]  # decoded once, augmented twice
    assert [tuple(v['inputs'].shape) for v in views] == [(1, 3, 16, 224, 224)] * 2
    _blank_moov(toy / 'videos' / 'train_0001.mp4')
    with pytest.raises(DatasetError, match=r"Video '.*train_0001.mp4' cannot be opened"):
        dataset[1]
    (toy / 'videos' / 'train_0007.mp4').unlink()
    with pytest.raises(DatasetError, match=r"train_dataloader.dataset: 1 of the 8 videos .* "
                                           r"line 8: 'videos/train_0007.mp4'"):
        _check(S16X4, **options)


def _rawframes(toy):
    frames = toy / 'rawframes'
    for i in range(3):
        (frames / f'v{i}').mkdir(parents=True)
        for k in range(1, 5):
            (frames / f'v{i}' / f'img_{k:05d}.jpg').write_bytes(b'')
    (toy / 'rawframes_list.txt').write_text('v0 4 0\nv1 4 1\nv2 4 3\n')
    return {'test_dataloader.dataset.type': 'RawframeDataset',
            'test_dataloader.dataset.ann_file': 'rawframes_list.txt',
            'test_dataloader.dataset.data_prefix': {'img': 'rawframes'}}


def test_rawframe_list(toy):
    options = _rawframes(toy)
    _check(splits=('test',), **options)
    _edit_line(toy / 'rawframes_list.txt', 3, 'v2 4 9')
    with pytest.raises(DatasetError, match=r'num_classes=4\): line 3: label 9'):
        _check(splits=('test',), **options)
    _edit_line(toy / 'rawframes_list.txt', 3, 'v3 4 2')
    with pytest.raises(DatasetError, match=r"1 of the 3 frame folders listed in "
                                           r"'data/toy/video/rawframes_list.txt' are missing "
                                           r".*line 3: 'v3'"):
        _check(splits=('test',), **options)
    _edit_line(toy / 'rawframes_list.txt', 3, 'v2 2')
    with pytest.raises(DatasetError, match=r'line 3 .* does not read as "FRAME_DIR '
                                           r'TOTAL_FRAMES LABEL"'):
        _check(splits=('test',), **options)


# --- a video shorter than the clip ---------------------------------------------------------

def test_video_shorter_than_the_clip_loops_with_one_warning(toy):
    """MMAction2's SampleFrames reads a 16-frame video for a 16 x 4 clip (64 frames) by
    looping the frame indices; that is kept, and logged once per file."""
    from mmengine.logging import MMLogger
    options = {'val_dataloader.dataset.ann_file': 'data/toy/video/val_list.txt',
               'val_dataloader.dataset.data_prefix.video': 'data/toy/video',
               'train_dataloader.dataset.ann_file': 'data/toy/video/train_list.txt',
               'train_dataloader.dataset.data_prefix.video': 'data/toy/video'}
    cfg = _check(S16X4, **options)
    dataset = _dataset(cfg)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        steps = dataset.pipeline.transforms
        results = dataset.get_data_info(0)
        for step in steps[:2]:  # CheckedDecordInit, SampleFrames
            results = step(results)
        sample = dataset[0]
        dataset[0]
    finally:
        logger.removeHandler(handler)
    assert results['total_frames'] == 16
    # 16 frames at stride 4 from a 16-frame video: indices wrap around (loop)
    assert results['frame_inds'].max() < 16 and len(results['frame_inds']) == 16
    assert sorted(set(results['frame_inds'].tolist())) == [0, 4, 8, 12]  # looped x 4
    assert tuple(sample['inputs'].shape) == (1, 3, 16, 224, 224)
    warnings = [r.getMessage() for r in records
                if r.levelno == logging.WARNING and 'fewer than' in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "val_0000.mp4' has 16 frames, fewer than the 64 a clip spans" in warnings[0]
    assert 'loops it' in warnings[0]
