"""The catalogue as data: one table, formats the converter knows, the files it pins.

No network and no model: these check the rows of uniformer_dense/zoo/catalog.py and what
the rest of the package takes from them.
"""
import dataclasses

import pytest
import torch

from uniformer_dense import zoo
from uniformer_dense.checkpoint import authors_video_message
from uniformer_dense.convert import RENAMES, SOURCES
from uniformer_dense.formats import AUTHORS_K400_CLASSES, SourceFormat, convert_command
from uniformer_dense.safe_load import torch_container
from uniformer_dense.zoo import catalog


def test_a_name_listed_twice_is_refused():
    entry = zoo.get_entry('uniformer_xxs_in1k')
    with pytest.raises(ValueError, match="'uniformer_xxs_in1k' is listed twice"):
        catalog._by_name([entry, dataclasses.replace(entry, note='again')])


def test_entries_is_a_live_view_of_the_one_table(monkeypatch):
    """Replacing an entry in WEIGHTS is what every part of the zoo sees: the listing, the
    ImageNet file of a variant, model_zoo.md."""
    url = 'http://mirror.invalid/uniformer_xxs_in1k.pth'
    entry = dataclasses.replace(zoo.get_entry('uniformer_xxs_in1k'), sources=(zoo.Mirror(url),))
    monkeypatch.setitem(zoo.WEIGHTS, entry.name, entry)
    assert entry in list(zoo.ENTRIES) and len(zoo.ENTRIES) == len(zoo.WEIGHTS)
    assert zoo.imagenet_entry('uniformer_xxs').url == url
    assert url in zoo.markdown()


def test_every_entry_lists_its_sources_once():
    for entry in zoo.ENTRIES:
        assert isinstance(entry.sources, tuple), entry.name
        assert all(isinstance(s, zoo.Mirror) for s in entry.sources), entry.name
        assert entry.url == (entry.sources[0].url if entry.sources else None)
        urls = [s.url for s in entry.sources]
        assert len(urls) == len(set(urls)), entry.name


def test_source_formats_are_one_vocabulary_with_the_converter():
    assert tuple(RENAMES) == SourceFormat.CONVERTIBLE == SOURCES
    assert set(SourceFormat.CONVERTED_ON_LOAD) <= set(RENAMES)
    for entry in zoo.ENTRIES:
        assert entry.source_format in (None, *SourceFormat.ALL), entry.name
    pose = [e for e in zoo.ENTRIES if e.task == 'pose']
    assert pose and {e.source_format for e in pose} == {SourceFormat.MMPOSE1}
    with pytest.raises(ValueError, match='unknown source format'):
        dataclasses.replace(pose[0], source_format='mmpose2')


def test_files_that_load_as_they_are_pass_through_zoo_loads(tmp_path):
    ckpt = {'state_dict': {'head.final_layer.weight': torch.zeros(17, 32, 1, 1)}, 'meta': {}}
    for name in ('topdown_uniformer_s_256x192', 'uniformer_video_s_16x4_k400_mmaction2'):
        assert zoo.to_loadable(zoo.get_entry(name), ckpt, tmp_path / 'x.pth') is ckpt


def test_an_imagenet_file_becomes_an_mmpretrain_classifiers_checkpoint(tmp_path):
    """The authors' ImageNet file (bare keys under 'model') loads as zoo://NAME with its keys
    under backbone.: an MMPretrain ImageClassifier's (configs/cls/), which a backbone's init
    strips again."""
    state = {'patch_embed1.proj.0.weight': torch.ones(28, 3, 3, 3), 'head.weight': torch.ones(2, 4)}
    out = zoo.to_loadable(zoo.get_entry('uniformer_xxs_in1k'), {'model': state}, tmp_path / 'x.pth')
    assert sorted(out['state_dict']) == ['backbone.head.weight', 'backbone.patch_embed1.proj.0.weight']
    assert out['meta']['source_format'] == SourceFormat.IMAGENET


def test_messages_name_the_authors_class_list_as_pinned():
    (authors,), _ = zoo.CLASS_LISTS['k400']
    assert authors.url.endswith('/' + AUTHORS_K400_CLASSES)
    msg = authors_video_message('s16x4.pth', 'configs/video/x.py')
    assert f'({AUTHORS_K400_CLASSES} of their release)' in msg
    assert ('  python tools/convert_checkpoint.py s16x4.pth s16x4_mmaction2.pth --src-classes '
            'AUTHORS_CLASSES --dst-classes CONFIG_CLASSES --config configs/video/x.py\n') in msg
    assert convert_command('a.pth', 'b.pth') == (
        'python tools/convert_checkpoint.py a.pth b.pth --src-classes AUTHORS_LIST '
        '--dst-classes MMACTION2_LIST')


@pytest.mark.parametrize('head, container', [
    (b'PK\x03\x04rest', 'zip'), (b'\x80\x02}q\x00', 'pickle'), (b'\x80\x05\x95', 'pickle'),
    (b'\x80', None), (b'\x80\x01', None), (b'', None), (b'<html>', None)])
def test_torch_container_from_the_first_bytes(head, container):
    """A lone 0x80 byte is not a pickle (the old test matched the empty slice after it)."""
    assert torch_container(head) == container
