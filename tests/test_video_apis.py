"""One real Kinetics video through the recogniser API and tools/demo.py: the config's test
pipeline decodes the file by path, and the top-5 classes come out named from a label file or
the checkpoint's meta (untrained weights, one clip to keep it fast)."""
import re

import pytest
import torch

from reference import SHARED, load_layout, require_shared, synthetic_state_dict
from tools_cli import REPO, run_tool, untrained_checkpoint
from uniformer_dense import apis
from uniformer_dense.checkpoint import CheckpointError

CONFIG = REPO / 'configs' / 'video' / 'uniformer_video_s_16x4_k400.py'
VIDEO_MINI = SHARED / 'data' / 'video_mini'
DEMO = VIDEO_MINI / 'demo.mp4'
K400 = VIDEO_MINI / 'label_map_k400_mmaction2.txt'
ONE_CLIP = 'test_dataloader.dataset.pipeline.1.num_clips=1'
RESULT_LINE = re.compile(r'^(\d\.\d{4})  (.+)$')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return untrained_checkpoint(CONFIG, tmp_path_factory.mktemp('video') / 'untrained.pth')


@pytest.fixture(scope='module')
def model(checkpoint):
    return apis.init_model(str(CONFIG), str(checkpoint), cfg_options={ONE_CLIP.split('=')[0]: 1},
                           label_file=str(require_shared(K400)))


def k400_names():
    return require_shared(K400).read_text().splitlines()


def test_api_classifies_a_video_by_path(model):
    from mmaction.structures import ActionDataSample
    assert model.task == 'action' and list(model.dataset_meta['classes']) == k400_names()
    result = apis.inference(model, str(require_shared(DEMO)))
    assert isinstance(result, ActionDataSample)
    scores = result.pred_score
    assert scores.shape == (400,) and float(scores.sum()) == pytest.approx(1, abs=1e-4)
    assert tuple(result.img_shape) == (224, 224)  # decoded, resized and cropped by the pipeline

    top = apis.top_k(model, result)
    values, indices = scores.topk(5)
    assert [name for name, _ in top] == [k400_names()[i] for i in indices.tolist()]
    assert [s for _, s in top] == pytest.approx(values.tolist())
    assert all(0 <= s <= 1 for _, s in top) and [s for _, s in top] == sorted(
        [s for _, s in top], reverse=True)
    # another video gives other scores: the frames really are read from the file
    other = apis.inference(model, str(VIDEO_MINI / 'test.mp4')).pred_score
    assert not torch.allclose(other, scores)


def test_demo_cli_prints_the_top5_classes(model, checkpoint):
    proc = run_tool('demo.py', require_shared(DEMO), '--model', CONFIG, '--checkpoint', checkpoint,
                    '--label-file', K400, '--cfg-options', ONE_CLIP)
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('top-5 classes of'))
    assert str(DEMO) in lines[start]
    ranked = [RESULT_LINE.match(line) for line in lines[start + 1:]]
    assert len(ranked) == 5 and all(ranked), lines[start:]
    scores = [float(m.group(1)) for m in ranked]
    names = [m.group(2) for m in ranked]
    assert set(names) <= set(k400_names()) and len(set(names)) == 5
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    # the same as the API's top 5 (ties between near-equal scores may order differently)
    expected = [s for _, s in apis.top_k(model, apis.inference(model, str(DEMO)))]
    assert scores == pytest.approx(expected, abs=1.5e-4)


def test_names_from_the_checkpoint_meta_else_indices_and_a_hint(tmp_path, checkpoint):
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    named = tmp_path / 'named.pth'
    torch.save({'meta': {'dataset_meta': {'classes': tuple(k400_names())}}, 'state_dict': state},
               named)
    model = apis.init_model(str(CONFIG), str(named))
    assert list(model.dataset_meta['classes']) == k400_names()

    proc = run_tool('demo.py', require_shared(DEMO), '--model', CONFIG, '--checkpoint',
                    checkpoint, '--top-k', '3', '--cfg-options', ONE_CLIP)
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('top-3 classes of'))
    ranked = [RESULT_LINE.match(line) for line in lines[start + 1:]]
    indices = [re.fullmatch(r'class (\d+)', m.group(2)) if m else None for m in ranked]
    assert len(ranked) == 3 and all(indices), lines[start:]
    assert all(0 <= int(i.group(1)) < 400 for i in indices)
    assert '--label-file' in proc.stderr and 'class indices' in proc.stderr


def test_label_file_of_another_dataset_is_refused(checkpoint):
    sthv2 = require_shared(VIDEO_MINI / 'label_map_sthv2_mmaction2.txt')
    with pytest.raises(ValueError, match=r'label_map_sthv2_mmaction2.txt names 174 classes but '
                                         r'the model has 400'):
        apis.init_model(str(CONFIG), str(checkpoint), label_file=str(sthv2))


def test_missing_video_is_named(tmp_path, model, checkpoint):
    missing = tmp_path / 'no_such_clip.mp4'
    with pytest.raises(FileNotFoundError, match='no_such_clip.mp4'):
        apis.inference(model, str(missing))
    proc = run_tool('demo.py', missing, '--model', CONFIG, '--checkpoint', checkpoint,
                    check=False)
    assert proc.returncode != 0 and str(missing) in proc.stderr and 'does not exist' in proc.stderr


def test_authors_video_file_says_how_to_convert(tmp_path):
    src = tmp_path / 'uniformer_small_k400_16x4.pth'
    torch.save({'model_state': synthetic_state_dict(load_layout('uniformer_video_s',
                                                                'uniformer_video'))}, src)
    with pytest.raises(CheckpointError) as err:
        apis.init_model(str(CONFIG), str(src))
    msg = str(err.value)
    assert f'python tools/convert_checkpoint.py {src} ' in msg and f'--config {CONFIG}' in msg
    proc = run_tool('demo.py', require_shared(DEMO), '--model', CONFIG, '--checkpoint', src,
                    check=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert f'python tools/convert_checkpoint.py {src} ' in proc.stderr
