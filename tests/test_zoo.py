"""Model zoo downloads against a real HTTP server on 127.0.0.1 serving real checkpoints."""
import dataclasses
import hashlib
import socket

import pytest
import torch

from http_server import FileServer
from reference import load_layout, synthetic_state_dict
from tools_cli import REPO, run_tool, untrained_checkpoint
from uniformer_dense import zoo
from uniformer_dense.models import UniFormer


@pytest.fixture
def served(tmp_path):
    root = tmp_path / 'served'
    root.mkdir()
    state = synthetic_state_dict(load_layout('uniformer_xxs_in1k', 'imagenet_layout'))
    torch.save({'model': state}, root / 'uniformer_xxs_in1k.pth')
    with FileServer(root) as server:
        yield server, root / 'uniformer_xxs_in1k.pth', state



def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _point_entry_at(monkeypatch, server, src, **changes):
    entry = dataclasses.replace(zoo.WEIGHTS['uniformer_xxs_in1k'],
                                sources=(zoo.Mirror(server.url + src.name, _sha(src)),),
                                **changes)
    monkeypatch.setitem(zoo.WEIGHTS, entry.name, entry)
    return entry


def test_download_verify_and_cache_hit(served, cache, monkeypatch):
    server, src, _ = served
    _point_entry_at(monkeypatch, server, src)
    path = zoo.resolve('uniformer_xxs_in1k', progress=False)
    assert path == cache / 'uniformer_xxs_in1k.pth'
    assert path.read_bytes() == src.read_bytes()
    assert not list(cache.glob('*.part'))
    n = len(server.requests)
    assert zoo.resolve('uniformer_xxs_in1k') == path
    assert len(server.requests) == n  # cache hit: no request


def test_resume_after_cut_connection(served, cache, monkeypatch):
    server, src, _ = served
    _point_entry_at(monkeypatch, server, src)
    server.cut_after[src.name] = 40000
    with pytest.raises(zoo.ZooError, match='resume'):
        zoo.resolve('uniformer_xxs_in1k', progress=False)
    part = cache / 'uniformer_xxs_in1k.pth.part'
    assert part.stat().st_size == 40000
    assert not (cache / 'uniformer_xxs_in1k.pth').exists()
    path = zoo.resolve('uniformer_xxs_in1k', progress=False)
    assert server.requests[-1] == (src.name, 'bytes=40000-')
    assert path.read_bytes() == src.read_bytes() and not part.exists()


def test_checksum_mismatch_discards_download_and_keeps_good_file(served, cache, monkeypatch):
    server, src, _ = served
    good = cache / 'other.pth'
    cache.mkdir(parents=True)
    good.write_bytes(b'a good file')
    with pytest.raises(zoo.ZooError, match='Checksum mismatch'):
        zoo.download(server.url + src.name, cache / 'uniformer_xxs_in1k.pth', sha256='0' * 64,
                     progress=False)
    assert sorted(p.name for p in cache.iterdir()) == ['other.pth']
    assert good.read_bytes() == b'a good file'
    # the published 8-hex-digit prefix is checked too (OpenMMLab pose files)
    path = zoo.download(server.url + src.name, cache / 'x.pth', sha256_prefix=_sha(src)[:8],
                        progress=False)
    assert path.exists()


def test_404_and_server_down(served, cache):
    server, src, _ = served
    with pytest.raises(zoo.ZooError, match='HTTP 404'):
        zoo.download(server.url + 'missing.pth', cache / 'm.pth', progress=False)
    with socket.socket() as s:  # a port with nobody listening
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with pytest.raises(zoo.ZooError, match='failed'):
        zoo.download(f'http://127.0.0.1:{port}/x.pth', cache / 'x.pth', progress=False)
    assert not (cache / 'm.pth').exists() and not (cache / 'x.pth').exists()


def test_offline_mode_names_the_missing_file(cache, monkeypatch):
    monkeypatch.setenv('UNIFORMER_DENSE_OFFLINE', '1')
    with pytest.raises(zoo.ZooError) as err:
        zoo.resolve('uniformer_small_in1k')
    assert 'uniformer_small_in1k.pth' in str(err.value) and 'tools/download.py' in str(err.value)


def test_config_zoo_name_loads_backbone_weights(served, cache, monkeypatch):
    """The same zoo:// name a det/seg/pose config uses, through init_cfg Pretrained."""
    server, src, state = served
    _point_entry_at(monkeypatch, server, src)
    model = UniFormer(variant='uniformer_xxs',
                      init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_xxs_in1k'))
    model.init_weights()
    torch.testing.assert_close(model.patch_embed2.proj.weight, state['patch_embed2.proj.weight'])


def test_unknown_name_lists_choices():
    with pytest.raises(zoo.ZooError, match='uniformer_small_in1k'):
        zoo.resolve('uniformer_huge_in1k')


@pytest.mark.slow
def test_download_cli_list_and_fetch(served, tmp_path, monkeypatch):
    proc = run_tool('download.py', '--list')
    assert 'mask_rcnn_uniformer_s' in proc.stdout and 'topdown_uniformer_b_448x320' in proc.stdout
    # each entry's sources, in the order they are tried, with their published SHA-256
    lines = proc.stdout.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.startswith('upernet_uniformer_s_global '))
    assert 'lllyasviel/Annotators' in lines[i + 1] and 'upernet_global_small.pth' in lines[i + 1]
    assert 'bebfa1264c10' in lines[i + 1]
    assert 'Andy1621/uniformer' in lines[i + 2] and 'Google Drive' in lines[i + 3]
    j = next(n for n, ln in enumerate(lines) if ln.startswith('topdown_uniformer_s_256x192 '))
    assert 'OpenMMLab' in lines[j + 1] and 'sha256 d4a7fdac...' in lines[j + 1]
    proc = run_tool('download.py', 'nope', '--cache-dir', tmp_path / 'c', check=False)
    assert proc.returncode == 1 and 'Unknown model-zoo name' in proc.stderr
    # download.py NAME as a user runs it, its file served by the local server as a mirror
    server, src, _ = served
    cache_dir = tmp_path / 'fetched'
    env = dict(UNIFORMER_DENSE_MIRROR=server.url, UNIFORMER_DENSE_CACHE=str(cache_dir))
    monkeypatch.delenv('UNIFORMER_DENSE_OFFLINE', raising=False)
    run_tool('download.py', 'uniformer_xxs_in1k', env=env)
    fetched = cache_dir / 'uniformer_xxs_in1k.pth'
    assert fetched.read_bytes() == src.read_bytes()
    assert [name for name, _ in server.requests] == [src.name]
    manifest = (cache_dir / 'manifest.json').read_text()
    assert _sha(src) in manifest
    verified = run_tool('download.py', '--verify', 'uniformer_xxs_in1k', env=env)
    assert 'uniformer_xxs_in1k.pth' in verified.stdout
    assert not verified.stdout.lstrip().startswith(('bad', 'absent'))
    run_tool('download.py', 'uniformer_xxs_in1k', env=env)  # cached: no second request
    assert len(server.requests) == 1
    # --markdown prints model_zoo.md as committed
    markdown = run_tool('download.py', '--markdown')
    assert markdown.stdout.strip() == (REPO / 'model_zoo.md').read_text().strip()


def test_model_zoo_md_is_generated_from_the_registry():
    assert (REPO / 'model_zoo.md').read_text().strip() == zoo.markdown().strip()
    for entry in zoo.ENTRIES:
        if entry.config:
            assert (REPO / entry.config).is_file(), entry.config


@pytest.mark.slow
def test_eval_zoo_table_on_real_coco_keypoints(tmp_path):
    """tools/eval_zoo.py on a pose entry whose file is already in the cache (offline):
    real coco_mini images and detector boxes, one markdown row against the paper's 74.0."""
    from by_hand import coco_stats
    from reference import COCO_MINI, require_shared
    root = require_shared(COCO_MINI)
    entry = zoo.get_entry('topdown_uniformer_s_256x192')
    cache = tmp_path / 'cache'
    cache.mkdir()
    untrained_checkpoint(REPO / entry.config, cache / entry.file_name)
    out = tmp_path / 'table.md'
    saved = tmp_path / 'predictions'  # CocoMetric keeps saved.keypoints.json
    run_tool('eval_zoo.py', entry.name, '--work-dir', tmp_path / 'work', '--out', out,
             '--cfg-options', f'test_dataloader.dataset.data_root={root}',
             f'test_evaluator.outfile_prefix={saved}',
             f'test_dataloader.dataset.ann_file={root / "test_coco.json"}',
             f'test_dataloader.dataset.bbox_file={root / "test_coco_det_AP_H_56.json"}',
             'test_dataloader.dataset.data_prefix.img=',
             f'test_evaluator.ann_file={root / "test_coco.json"}',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
             env=dict(UNIFORMER_DENSE_CACHE=str(cache), UNIFORMER_DENSE_OFFLINE='1'))
    lines = out.read_text().splitlines()
    assert lines[0] == '| model | metric | measured | paper | difference |'
    (row,) = lines[2:]
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[:2] == ['topdown_uniformer_s_256x192', 'keypoint_ap'] and cells[3] == '74.0'
    measured = float(cells[2])
    # the row's AP is pycocotools' keypoint AP of the saved predictions, in % to 1 decimal
    ap = coco_stats(root / 'test_coco.json', f'{saved}.keypoints.json', 'keypoints')[0]
    assert measured == pytest.approx(100 * ap, abs=0.05 + 1e-9), (measured, ap)
    assert float(cells[4]) == pytest.approx(measured - 74.0, abs=0.11)
