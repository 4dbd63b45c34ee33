"""The authors' video checkpoints (SlowFast layout) as MMAction2 recognisers.

Files are written in the authors' exact layout (uniformer_video_s.layout.json, synthetic
weights by the reference recipe), converted with tools/convert_checkpoint.py, and loaded into
the real Recognizer3D of configs/video/uniformer_video_s_16x4_k400.py: the converted model
must fit exactly and give the authors' logits with the classifier re-indexed by class name
from the authors' Kinetics-400 order to MMAction2's.
"""
import json

import pytest
import torch

from by_hand import config_dumping_predictions, dumped_scores, topk_accuracy
from reference import (REFERENCE, SHARED, golden_probe, load_golden, load_layout,
                       require_shared, synthetic_state_dict)
from tools_cli import REPO, read_json, run_tool
from uniformer_dense.analysis import build_model
from uniformer_dense.checkpoint import CheckpointError, check_model_checkpoint
from uniformer_dense.convert import (class_permutation, convert_checkpoint, normalise_class_name,
                                     read_class_list)
from uniformer_dense.harness import load_config

CONFIG = REPO / 'configs' / 'video' / 'uniformer_video_s_16x4_k400.py'
VIDEO_MINI = SHARED / 'data' / 'video_mini'
AUTHORS_CLASSES = VIDEO_MINI / 'kinetics_400_categories_authors.txt'
MMACTION_CLASSES = VIDEO_MINI / 'label_map_k400_mmaction2.txt'


def authors_order():
    """name -> row of the authors' classifier, read here independently of the package."""
    rows = [line.split('\t') for line in require_shared(AUTHORS_CLASSES).read_text().splitlines()]
    return {name: int(index) for name, index in rows}


def mmaction_order():
    return require_shared(MMACTION_CLASSES).read_text().splitlines()


@pytest.fixture(scope='module')
def authors_state():
    return synthetic_state_dict(load_layout('uniformer_video_s', 'uniformer_video'))


@pytest.fixture(scope='module')
def recognizer():
    return build_model(load_config(str(CONFIG)), init=False).eval()


def save_authors_file(state, path):
    """The SlowFast checkpoint container the authors' files come in."""
    torch.save({'epoch': 110, 'model_state': state, 'cfg': 'MODEL:\n  ARCH: uniformer\n',
                'optimizer_state': {'state': {}, 'param_groups': [{'lr': 1e-6, 'params': [0]}]}},
               path)
    return path


def recognizer_logits(model, clip):
    """The Recognizer3D's own path: backbone, I3DHead (pooling over T, H, W, fc_cls)."""
    with torch.no_grad():
        return model.extract_feat(clip.unsqueeze(1), stage='head')[0]


def test_authors_file_converts_fits_and_gives_their_logits_by_class_name(
        tmp_path, authors_state, recognizer):
    src = save_authors_file(authors_state, tmp_path / 'uniformer_small_k400_16x4.pth')
    dst = tmp_path / 'uniformer_video_s_k400.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, '--src-classes', AUTHORS_CLASSES,
                    '--dst-classes', MMACTION_CLASSES, '--config', CONFIG)
    assert 'slowfast' in proc.stdout and 're-indexed' in proc.stdout
    assert 'checked: all 331 tensors fit' in proc.stdout

    out = torch.load(dst, weights_only=True)
    assert set(out) == {'meta', 'state_dict'}
    names = mmaction_order()
    assert list(out['meta']['dataset_meta']['classes']) == names
    report = check_model_checkpoint(recognizer, str(dst))
    assert report.complete and report.loaded == len(recognizer.state_dict())
    recognizer.load_state_dict(out['state_dict'], strict=True)
    for key, value in authors_state.items():
        if not key.startswith('head.'):
            assert torch.equal(out['state_dict'][f'backbone.{key}'], value), key

    # named classes land at MMAction2's index, holding the authors' row of that class
    authors = authors_order()
    weight = out['state_dict']['cls_head.fc_cls.weight']
    bias = out['state_dict']['cls_head.fc_cls.bias']
    for name, mm_index, authors_index in [('arm wrestling', 6, 202), ('riding a bike', 267, 0),
                                          ("massaging person's head", 196, 263)]:
        assert names.index(name) == mm_index and authors[name] == authors_index
        assert torch.equal(weight[mm_index], authors_state['head.weight'][authors_index])
        assert bias[mm_index] == authors_state['head.bias'][authors_index]

    # logits of the converted recogniser = the authors' head on the backbone's features,
    # columns permuted by name; un-permuted they match the authors' network (golden)
    golden = load_golden(REFERENCE / 'uniformer_video' / 'uniformer_video_s.golden.json')
    expected = golden['golden']['8x112x112'][1]
    clip = torch.randn(1, 3, 8, 112, 112, generator=torch.Generator().manual_seed(8112112))
    logits = recognizer_logits(recognizer, clip)
    with torch.no_grad():
        feat = recognizer.backbone(clip)
    head_w, head_b = authors_state['head.weight'], authors_state['head.bias']
    theirs = feat.flatten(2).mean(-1) @ head_w.t() + head_b
    permutation = [authors[name] for name in names]
    torch.testing.assert_close(logits, theirs[:, permutation], rtol=1e-5, atol=1e-5)
    assert logits[0, 6] == pytest.approx(theirs[0, 202].item(), abs=1e-5)  # arm wrestling
    unpermuted = torch.empty_like(logits)
    unpermuted[:, permutation] = logits
    dot, index = golden_probe(unpermuted, 1)
    assert list(unpermuted.shape) == expected['shape']
    assert dot == pytest.approx(expected['dot'], rel=1e-4, abs=1e-3)
    torch.testing.assert_close(unpermuted.flatten()[index], torch.tensor(expected['samples']),
                               rtol=0, atol=1e-4)


def test_bare_state_dict_as_on_hugging_face(tmp_path, authors_state, recognizer):
    src = tmp_path / 'uniformer_small_k400_8x8.pth'
    torch.save(authors_state, src)
    dst = tmp_path / 'converted.pth'
    summary = convert_checkpoint(str(src), str(dst), src_classes=AUTHORS_CLASSES,
                                 dst_classes=MMACTION_CLASSES)
    assert summary['source'] == 'slowfast' and summary['reindexed'] and summary['classes'] == 400
    assert check_model_checkpoint(recognizer, str(dst)).complete
    state = torch.load(dst, weights_only=True)['state_dict']
    assert torch.equal(state['cls_head.fc_cls.weight'][6], authors_state['head.weight'][202])
    assert torch.equal(state['backbone.norm.running_var'], authors_state['norm.running_var'])


def test_mmaction2_file_passes_through_and_reindexes_back(tmp_path, authors_state):
    """MMAction2's converted files already have the recogniser's keys: kept as they are, or
    re-indexed on request (here back to the authors' order, which restores their head)."""
    mm = {f'backbone.{k}': v for k, v in authors_state.items() if not k.startswith('head.')}
    mm['cls_head.fc_cls.weight'] = authors_state['head.weight'].flip(0)
    mm['cls_head.fc_cls.bias'] = authors_state['head.bias'].flip(0)
    src = tmp_path / 'uniformer-small_imagenet1k-pre_16x4x1_kinetics400-rgb.pth'
    torch.save({'meta': {'dataset_meta': {'classes': tuple(mmaction_order())}}, 'state_dict': mm},
               src)
    same = tmp_path / 'same.pth'
    assert convert_checkpoint(str(src), str(same))['source'] == 'mmaction'
    out = torch.load(same, weights_only=True)
    assert out['state_dict'].keys() == mm.keys()
    assert all(torch.equal(out['state_dict'][k], v) for k, v in mm.items())
    assert list(out['meta']['dataset_meta']['classes']) == mmaction_order()

    # the rows of this file are in MMAction2's order (flipped here to make them distinct)
    mm['cls_head.fc_cls.weight'] = mm['cls_head.fc_cls.weight'].flip(0)[
        [authors_order()[n] for n in mmaction_order()]]
    torch.save({'state_dict': mm}, src)
    back = tmp_path / 'authors_order.pth'
    run_tool('convert_checkpoint.py', src, back, '--source', 'mmaction',
             '--src-classes', MMACTION_CLASSES, '--dst-classes', AUTHORS_CLASSES)
    out = torch.load(back, weights_only=True)
    assert torch.equal(out['state_dict']['cls_head.fc_cls.weight'], authors_state['head.weight'])
    assert out['meta']['dataset_meta']['classes'][202] == 'arm wrestling'


def test_class_names_match_across_quoting_underscores_and_parentheses(tmp_path):
    """SlowFast's class-name JSON quotes its names; folder-style lists use underscores and
    drop punctuation. All match MMAction2's list by name."""
    authors = authors_order()
    quoted = tmp_path / 'kinetics_classnames.json'
    quoted.write_text(json.dumps({f'"{name}"': index for name, index in authors.items()}))
    folders = tmp_path / 'folders.txt'
    folder_name = str.maketrans({' ': '_', '(': None, ')': None})
    folders.write_text(''.join(f'{index}\t{name.translate(folder_name)}\n'
                               for name, index in authors.items()))
    expected = [authors[name] for name in mmaction_order()]
    for src in (AUTHORS_CLASSES, quoted, folders):
        assert class_permutation(src, MMACTION_CLASSES) == expected, src
    assert read_class_list(quoted)[202] == '"arm wrestling"'
    assert read_class_list(folders)[0] == 'riding_a_bike'
    assert normalise_class_name('"Petting animal (not cat)"') == \
        normalise_class_name('petting_animal_not_cat')
    assert normalise_class_name("massaging person's head") == \
        normalise_class_name('massaging_person_s_head')
    with pytest.raises(ValueError, match="'a-b' and 'A B'"):
        class_permutation(['a-b', 'A B'], ['a-b', 'A B'])


def test_unmatched_class_list_is_a_clear_error(tmp_path, authors_state):
    src = save_authors_file(authors_state, tmp_path / 'authors.pth')
    typo = tmp_path / 'authors_typo.txt'
    typo.write_text(require_shared(AUTHORS_CLASSES).read_text().replace('arm wrestling\t',
                                                                        'arm wrestlin\t'))
    dst = tmp_path / 'out.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, '--src-classes', typo,
                    '--dst-classes', MMACTION_CLASSES, check=False)
    assert proc.returncode != 0 and not dst.exists()
    msg = proc.stderr
    assert "['arm wrestling']" in msg and "['arm wrestlin']" in msg
    assert str(typo) in msg and str(MMACTION_CLASSES) in msg and 'Traceback' not in msg

    # a list of another dataset: the row count says so
    with pytest.raises(ValueError, match='label_map_sthv2_mmaction2.txt names 174 classes but '
                                         'the classifier of .* has 400 rows'):
        convert_checkpoint(str(src), str(dst), dst_classes=MMACTION_CLASSES,
                           src_classes=VIDEO_MINI / 'label_map_sthv2_mmaction2.txt')


def test_authors_file_needs_class_lists_or_an_explicit_keep(tmp_path, authors_state):
    src = save_authors_file(authors_state, tmp_path / 'authors.pth')
    dst = tmp_path / 'out.pth'
    proc = run_tool('convert_checkpoint.py', src, dst, check=False)
    assert proc.returncode != 0 and not dst.exists()
    assert '--src-classes' in proc.stderr and '--keep-class-order' in proc.stderr
    convert_checkpoint(str(src), str(dst), keep_class_order=True, src_classes=AUTHORS_CLASSES)
    out = torch.load(dst, weights_only=True)
    assert torch.equal(out['state_dict']['cls_head.fc_cls.weight'], authors_state['head.weight'])
    assert out['meta']['dataset_meta']['classes'][202] == 'arm wrestling'


def test_image_network_file_as_video_source_is_refused(tmp_path):
    image = synthetic_state_dict(load_layout('uniformer_small_in1k', 'imagenet_layout'))
    src = tmp_path / 'uniformer_small_in1k.pth'
    torch.save({'model': image}, src)
    proc = run_tool('convert_checkpoint.py', src, tmp_path / 'out.pth', '--src-classes',
                    AUTHORS_CLASSES, '--dst-classes', MMACTION_CLASSES, check=False)
    assert proc.returncode != 0 and not (tmp_path / 'out.pth').exists()
    assert str(src) in proc.stderr and 'image-network' in proc.stderr
    assert 'inflation' in proc.stderr and 'Traceback' not in proc.stderr
    with pytest.raises(CheckpointError, match='image-network'):  # told it is a video file
        convert_checkpoint(str(src), str(tmp_path / 'out.pth'), source='slowfast',
                           src_classes=AUTHORS_CLASSES, dst_classes=MMACTION_CLASSES)

    det = tmp_path / 'mask_rcnn.pth'
    torch.save({'state_dict': {'backbone.patch_embed1.proj.weight': torch.zeros(64, 3, 4, 4),
                               'roi_head.bbox_head.fc_cls.weight': torch.zeros(81, 1024)}}, det)
    with pytest.raises(CheckpointError, match="not the authors' video release.*'mmdet2'"):
        convert_checkpoint(str(det), str(tmp_path / 'out.pth'), source='slowfast')


def test_authors_file_at_load_time_says_how_to_convert(tmp_path, authors_state, recognizer):
    """tools/test.py with the authors' file: its classifier order cannot be fixed without the
    two class lists, so the tool stops with the exact conversion command; the converted file
    then evaluates (one real Kinetics clip)."""
    src = save_authors_file(authors_state, tmp_path / 'uniformer_small_k400_16x4.pth')
    for partial in (False, True):  # nothing of it would load, even partially
        with pytest.raises(CheckpointError) as err:
            check_model_checkpoint(recognizer, str(src), allow_partial=partial, config='CFG.py')
        msg = str(err.value)
        assert f'python tools/convert_checkpoint.py {src} ' in msg
        assert '--src-classes' in msg and '--dst-classes' in msg and '--config CFG.py' in msg

    ann = tmp_path / 'val_list.txt'
    ann.write_text('demo.mp4 6\n')  # arm wrestling
    options = ['--cfg-options', f'test_dataloader.dataset.ann_file={ann}',
               f'test_dataloader.dataset.data_prefix.video={require_shared(VIDEO_MINI)}',
               'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
               'test_dataloader.dataset.pipeline.1.num_clips=1']
    proc = run_tool('test.py', CONFIG, src, '--work-dir', tmp_path / 'work', *options,
                    check=False)
    assert proc.returncode != 0
    assert 'tools/convert_checkpoint.py' in proc.stderr and str(src) in proc.stderr

    dst = tmp_path / 'converted.pth'
    convert_checkpoint(str(src), str(dst), src_classes=AUTHORS_CLASSES,
                       dst_classes=MMACTION_CLASSES)
    metrics = tmp_path / 'metrics.json'
    saved = tmp_path / 'predictions.pkl'
    config = config_dumping_predictions(CONFIG, tmp_path / 'dumping.py', saved)
    run_tool('test.py', config, dst, '--work-dir', tmp_path / 'work', '--out', metrics, *options)
    result = read_json(metrics)
    assert result['task'] == 'action'
    # AccMetric's numbers are those of the converted model's saved scores for the clip and its
    # label (6), counted with numpy
    scores, labels = dumped_scores(saved)
    assert scores.shape == (1, 400) and labels == [6]
    assert result['headline']['top1'] == topk_accuracy(scores, labels, 1)
    assert result['headline']['top5'] == topk_accuracy(scores, labels, 5)
