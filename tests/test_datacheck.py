"""The data checks as a package (:mod:`uniformer_dense.datacheck`): which dataset types read
which list comes from the modules that define them, a registered type's list is checked,
and the package imports nothing above it. The checks on real and damaged data are in
test_reliability_data.py (images, COCO, label maps) and test_video_data.py (videos)."""
import ast
from pathlib import Path

import pytest

import uniformer_dense.datacheck
from uniformer_dense.datacheck import DatasetError, check_datasets
from uniformer_dense.datacheck.video_lists import VIDEO_LIST_DATASETS, list_layout

PACKAGE = Path(uniformer_dense.datacheck.__file__).parent


def test_list_dataset_types_are_registered_by_the_modules_that_define_them():
    import uniformer_dense  # noqa: F401  (registers MMAction2's checking decoders and datasets)
    from uniformer_dense import long_video
    assert VIDEO_LIST_DATASETS['VideoDataset'] is None  # MMAction2's own
    assert VIDEO_LIST_DATASETS['RepeatAugDataset'] is None
    assert VIDEO_LIST_DATASETS['CheckedRepeatAugDataset'] is None
    assert VIDEO_LIST_DATASETS['STANFeatureDataset'] == long_video.FEATURE_SUFFIX
    assert list_layout('RawframeDataset') == 'FRAME_DIR TOTAL_FRAMES LABEL'
    assert list_layout('CocoDataset') is None


def test_a_registered_type_has_its_list_checked(tmp_path, monkeypatch):
    (tmp_path / 'features').mkdir()
    (tmp_path / 'features' / 'a.mp4.npy').write_bytes(b'x')
    (tmp_path / 'list.txt').write_text('a.mp4 0\nb.mp4 1\n')
    cfg = dict(model=dict(cls_head=dict(num_classes=2)), test_dataloader=dict(dataset=dict(
        type='ToyFeatureDataset', data_root=str(tmp_path), ann_file='list.txt',
        data_prefix=dict(video='features'))))
    check_datasets(cfg, ('test',))  # not a list-reading type: its list is not read
    monkeypatch.setitem(VIDEO_LIST_DATASETS, 'ToyFeatureDataset', '.npy')
    with pytest.raises(DatasetError, match=r"1 of the 2 videos .* no cached features .*"
                                           r"line 2: 'b\.mp4'"):
        check_datasets(cfg, ('test',))
    cfg['test_dataloader']['dataset']['ann_file'] = 'no_list.txt'
    with pytest.raises(DatasetError, match=r'Write the test list there \(one "PATH LABEL" '
                                           r'line per video, MMAction2\'s ToyFeatureDataset'):
        check_datasets(cfg, ('test',))


def test_the_package_imports_nothing_above_it():
    """Its modules import each other and the standard library / toolboxes only: the modules
    above (harness, long_video, ...) tell it what it needs to know by registering."""
    for path in sorted(PACKAGE.glob('*.py')):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, (path.name, node.module)
                assert not (node.module or '').startswith('uniformer_dense'), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith('uniformer_dense') for a in node.names), \
                    path.name
