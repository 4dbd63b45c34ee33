"""Weights that arrive: what a server sends that is not a checkpoint, mirrors tried in order,
Google Drive's confirm page, the manifest of SHA-256s, and a bad file already in the cache.

Everything runs against a real HTTP server on 127.0.0.1 (tests/http_server.py) that serves
real checkpoints and, where scripted, what the real hosts send instead: an HTML page with
status 200, a JSON error, a body cut short without a Content-Length, and Google Drive's "can't
scan this file for viruses" page in the shape Drive sends it (one line of HTML with the
``download-form`` and its hidden inputs), read by gdown's own parser. Google Drive itself is
not reachable from these machines.
"""
import argparse
import dataclasses
import fractions
import hashlib
import importlib.util
import json

import pytest
import torch

from http_server import FileServer
from reference import load_layout, synthetic_state_dict
from tools_cli import REPO
from uniformer_dense import zoo
from uniformer_dense.checkpoint import CheckpointError
from uniformer_dense.models import UniFormer

NAME = 'uniformer_xxs_in1k'
FILE = f'{NAME}.pth'
HTML = (b'<!DOCTYPE html><html><head><title>Sign in - Google Accounts</title></head>'
        b'<body><p>Please sign in to continue.</p></body></html>')


def drive_page(action: str, file_id: str = 'FILEID') -> bytes:
    """Google Drive's answer for a file it cannot scan (over ~100 MB): status 200, HTML, the
    whole page on one line, the file behind a GET form with hidden inputs."""
    return (
        '<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title><meta '
        'http-equiv="content-type" content="text/html; charset=utf-8"/></head><body><div '
        'class="uc-main"><div id="uc-text"><p class="uc-warning-caption">Google Drive can\'t '
        'scan this file for viruses.</p><p class="uc-warning-subcaption"><span '
        f'class="uc-name-size"><a href="/open?id={file_id}">{FILE}</a> (163M)</span> is too '
        'large for Google to scan for viruses. Would you still like to download this file?'
        f'</p><form id="download-form" action="{action}" method="get"><input type="submit" '
        'id="uc-download-link" class="goog-inline-block jfk-button jfk-button-action" '
        f'value="Download anyway"/><input type="hidden" name="id" value="{file_id}"><input '
        'type="hidden" name="export" value="download"><input type="hidden" name="confirm" '
        'value="t"><input type="hidden" name="uuid" value="0b6f5c1e-2d7a-4c0e-9f1a-3b2c1d0e9f8a">'
        '</form></div></div><div class="uc-footer"><hr class="uc-footer-divider"></div>'
        '</body></html>\n').encode()


QUOTA_PAGE = (
    b'<!DOCTYPE html><html><head><title>Google Drive - Quota exceeded</title></head><body>'
    b'<div class="uc-main"><div id="uc-text"><p class="uc-error-caption">Sorry, you can\'t view '
    b'or download this file at this time.</p><p class="uc-error-subcaption">Too many users have '
    b'viewed or downloaded this file recently. Please try accessing the file again later.</p>'
    b'</div></div></body></html>\n')


@pytest.fixture(scope='module')
def xxs_state():
    return synthetic_state_dict(load_layout(NAME, 'imagenet_layout'))


@pytest.fixture
def served(tmp_path, xxs_state):
    root = tmp_path / 'served'
    root.mkdir()
    state = xxs_state
    torch.save({'model': state}, root / FILE)
    with FileServer(root) as server:
        yield server, root / FILE, state



def download_tool():
    """tools/download.py, called in this process (its main() is the command line)."""
    spec = importlib.util.spec_from_file_location('download_tool', REPO / 'tools' / 'download.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry_with(monkeypatch, *sources):
    entry = dataclasses.replace(zoo.WEIGHTS[NAME], sources=sources)
    assert entry.sources == sources and entry.url == sources[0].url
    monkeypatch.setitem(zoo.WEIGHTS, NAME, entry)
    return entry


def _nothing_stored(cache):
    assert not (cache / FILE).exists()
    assert not list(cache.glob('*.part')) if cache.exists() else True


# ------------------------------------------------------------ what arrives instead of a file
def test_html_page_with_status_200_is_refused_and_nothing_is_stored(served, cache):
    server, _, _ = served
    server.pages['page.pth'] = (200, 'text/html; charset=utf-8', HTML)
    with pytest.raises(zoo.ZooError) as err:
        zoo.download(server.url + 'page.pth', cache / FILE, progress=False)
    msg = str(err.value)
    assert 'an HTML page' in msg and 'text/html' in msg and '<!DOCTYPE html>' in msg
    assert server.url + 'page.pth' in msg and 'Nothing was stored' in msg
    assert str(cache / FILE) in msg and '..' not in msg.replace('...', '')
    _nothing_stored(cache)


def test_json_error_body_is_refused_naming_what_it_said(served, cache):
    server, _, _ = served
    body = b'{"error": "Repository not found or gated: authentication required"}'
    server.pages['api.pth'] = (200, 'application/json', body)
    with pytest.raises(zoo.ZooError) as err:
        zoo.download(server.url + 'api.pth', cache / FILE, progress=False)
    msg = str(err.value)
    assert 'a JSON document' in msg and 'application/json' in msg
    assert 'Repository not found' in msg
    _nothing_stored(cache)


def test_one_byte_body_is_not_taken_for_a_pickle(served, cache):
    """A body of the single byte 0x80 (a pickle's first byte, without its protocol number)
    is an answer that is not the file, refused before anything is written."""
    server, src, _ = served
    (src.parent / 'one.pth').write_bytes(b'\x80')
    with pytest.raises(zoo.SourceError) as err:
        zoo.download(server.url + 'one.pth', cache / FILE, progress=False)
    msg = str(err.value)
    assert 'answered HTTP 200 with unknown binary data' in msg and '1 bytes' in msg
    assert 'instead of the file' in msg and 'Nothing was stored' in msg
    _nothing_stored(cache)


def test_truncated_body_without_content_length_is_discarded(served, cache):
    """The server closes early and never said how long the body was: it looks complete to
    HTTP, but a zip checkpoint without its end record is not a checkpoint."""
    server, src, _ = served
    server.no_length.add(src.name)
    server.cut_after[src.name] = src.stat().st_size // 2
    with pytest.raises(zoo.ZooError) as err:
        zoo.download(server.url + src.name, cache / FILE, progress=False)
    msg = str(err.value)
    assert f'sent {src.stat().st_size // 2} bytes' in msg
    assert 'zip archive without its end record' in msg and 'discarded' in msg
    _nothing_stored(cache)
    # the same body sent whole (still no Content-Length) is accepted
    server.no_length.add(src.name)
    assert zoo.download(server.url + src.name, cache / FILE, progress=False).read_bytes() == \
        src.read_bytes()


def test_pickle_that_needs_unsafe_loading_is_refused(served, cache):
    server, src, _ = served
    unsafe = src.with_name('unsafe.pth')
    torch.save({'model': {'w': torch.ones(2)}, 'lr': fractions.Fraction(1, 3)}, unsafe)
    with pytest.raises(zoo.ZooError, match=r'does not load with safe loading \(weights_only='
                                           r'True\): UnpicklingError: Unsupported global: '
                                           r'GLOBAL fractions.Fraction is not allowed'):
        zoo.download(server.url + unsafe.name, cache / FILE, progress=False)
    _nothing_stored(cache)
    # the authors' DeiT-style training file keeps its command line as argparse.Namespace:
    # allow-listed (a plain attribute holder), so such a file is accepted
    deit = src.with_name('deit.pth')
    torch.save({'model': {'w': torch.ones(2)}, 'epoch': 299,
                'args': argparse.Namespace(model='uniformer_small', lr=1e-3)}, deit)
    assert zoo.download(server.url + deit.name, cache / FILE, progress=False).exists()


# ------------------------------------------------------------ mirrors
def test_first_valid_mirror_is_used_after_bad_ones(served, cache, monkeypatch, capsys):
    server, src, _ = served
    server.pages['html.pth'] = (200, 'text/html', HTML)
    sources = [zoo.Mirror(server.url + 'html.pth'), zoo.Mirror(server.url + 'gone.pth'),
               zoo.Mirror(server.url + src.name, _sha(src)), zoo.Mirror(server.url + 'never.pth')]
    _entry_with(monkeypatch, *sources)
    path = zoo.resolve(NAME, progress=False)
    assert path.read_bytes() == src.read_bytes()
    assert [name for name, _ in server.requests] == ['html.pth', 'gone.pth', src.name]
    rec = zoo.read_manifest()[FILE]
    assert rec['sha256'] == _sha(src) and rec['url'] == server.url + src.name
    assert rec['size'] == src.stat().st_size
    err = capsys.readouterr().err
    assert 'html.pth failed' in err and 'gone.pth failed' in err and 'trying the next' in err


def test_all_mirrors_bad_is_one_error_listing_each_url_and_why(served, cache, monkeypatch):
    server, src, _ = served
    server.pages['html.pth'] = (200, 'text/html', HTML)
    server.pages['json.pth'] = (200, 'application/json', b'{"error": "quota"}')
    sources = [zoo.Mirror(server.url + 'html.pth'), zoo.Mirror(server.url + 'json.pth'),
               zoo.Mirror(server.url + 'gone.pth'),
               zoo.Mirror(server.url + src.name, '0' * 64)]  # the wrong file
    _entry_with(monkeypatch, *sources)
    with pytest.raises(zoo.ZooError) as err:
        zoo.resolve(NAME, progress=False)
    msg = str(err.value)
    assert f"Could not download '{NAME}' ({FILE}): all 4 sources failed:" in msg
    lines = msg.splitlines()
    for i, (name, why) in enumerate([('html.pth', 'an HTML page'),
                                     ('json.pth', 'a JSON document'),
                                     ('gone.pth', 'HTTP 404'),
                                     (src.name, 'Checksum mismatch')], 1):
        (line,) = [ln for ln in lines if ln.startswith(f'  {i}. {server.url}{name} ')]
        assert why in line, line
    assert 'What to do' in msg and 'UNIFORMER_DENSE_MIRROR' in msg
    _nothing_stored(cache)
    assert FILE not in zoo.read_manifest()


def test_user_mirror_is_tried_first(served, cache, monkeypatch):
    server, src, _ = served
    _entry_with(monkeypatch, zoo.Mirror('http://127.0.0.1:9/never.pth'))
    monkeypatch.setenv('UNIFORMER_DENSE_MIRROR', server.url)
    assert zoo.resolve(NAME, progress=False).read_bytes() == src.read_bytes()
    assert server.requests == [(FILE, None)]


# ------------------------------------------------------------ Google Drive
def test_drive_confirm_page_is_followed_with_gdown_and_resumes(served, cache, monkeypatch):
    """Drive answers with its virus-scan page; gdown's parser finds the form's URL (here on
    the local server), which gives the file; an interrupted transfer resumes through the
    same confirm step with a Range request."""
    server, src, _ = served
    server.pages['uc'] = (200, 'text/html; charset=utf-8', drive_page(server.url + 'download'))
    server.aliases['download'] = src.name
    server.cut_after['download'] = 50000
    _entry_with(monkeypatch, zoo.Mirror(server.url + 'uc?export=download&id=FILEID',
                                        google_drive=True))
    with pytest.raises(zoo.ZooError, match='run the same command again to resume'):
        zoo.resolve(NAME, progress=False)
    assert (cache / f'{FILE}.part').stat().st_size == 50000
    assert not (cache / FILE).exists()
    path = zoo.resolve(NAME, progress=False)
    assert path.read_bytes() == src.read_bytes()
    assert server.requests == [('uc', None), ('download', None),
                               ('uc', 'bytes=50000-'), ('download', 'bytes=50000-')]
    confirm = [p for p in server.paths if p.startswith('/download?')]
    assert all('id=FILEID' in p and 'confirm=t' in p and 'uuid=0b6f5c1e' in p for p in confirm)
    assert zoo.read_manifest()[FILE]['sha256'] == _sha(src)


def test_drive_quota_page_is_reported_and_the_next_mirror_used(served, cache, monkeypatch):
    server, src, _ = served
    server.pages['uc'] = (200, 'text/html; charset=utf-8', QUOTA_PAGE)
    drive = zoo.Mirror(server.url + 'uc?export=download&id=FILEID', google_drive=True)
    _entry_with(monkeypatch, drive)
    with pytest.raises(zoo.ZooError) as err:
        zoo.resolve(NAME, progress=False)
    msg = str(err.value)
    assert 'Google Drive did not give the file' in msg and 'Too many users' in msg
    assert 'try again in a day' in msg
    _nothing_stored(cache)
    _entry_with(monkeypatch, drive, zoo.Mirror(server.url + src.name))
    assert zoo.resolve(NAME, progress=False).read_bytes() == src.read_bytes()


# ------------------------------------------------------------ the cache
def test_cached_html_page_is_moved_aside_and_downloaded_again(served, cache, monkeypatch,
                                                              capsys):
    """What an older version left under the final name: detected when a config uses it."""
    server, src, state = served
    _entry_with(monkeypatch, zoo.Mirror(server.url + src.name, _sha(src)))
    cache.mkdir()
    (cache / FILE).write_bytes(HTML)
    model = UniFormer(variant='uniformer_xxs',
                      init_cfg=dict(type='Pretrained', checkpoint=f'zoo://{NAME}'))
    model.init_weights()
    torch.testing.assert_close(model.patch_embed2.proj.weight, state['patch_embed2.proj.weight'])
    (aside,) = cache.glob(f'{FILE}.bad-*')
    assert aside.read_bytes() == HTML  # renamed, not deleted
    assert (cache / FILE).read_bytes() == src.read_bytes()
    err = capsys.readouterr().err
    assert 'an HTML page' in err and f'moved aside to {aside}' in err


def test_manifest_and_verify_find_a_changed_file(served, cache, monkeypatch, capsys):
    server, src, _ = served
    _entry_with(monkeypatch, zoo.Mirror(server.url + src.name))  # no published SHA-256
    path = zoo.resolve(NAME, progress=False)
    manifest = json.loads((cache / 'manifest.json').read_text())
    assert manifest['files'][FILE]['sha256'] == _sha(src)
    assert zoo.verify([NAME]) == [(FILE, 'ok', f'sha256 {_sha(src)} from {server.url}{FILE}')]

    data = bytearray(path.read_bytes())  # same size, one byte of a tensor changed
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert zoo.cached_problem(path) is None  # the cheap check on use cannot see it...
    capsys.readouterr()
    assert download_tool().main(['--verify', NAME]) == 1  # ...--verify does, moves it aside
    out = capsys.readouterr().out
    assert out.startswith(f'bad       {FILE}: SHA-256 ') and 'differs' in out
    assert not path.exists() and len(list(cache.glob(f'{FILE}.bad-*'))) == 1
    assert FILE not in zoo.read_manifest()
    # the next use downloads it again, the same file as recorded before
    assert zoo.resolve(NAME, progress=False).read_bytes() == src.read_bytes()

    # a file whose size differs from the record is refused on use
    path.write_bytes(path.read_bytes()[:-10] + b'0123456789' + b'x')
    assert 'not the' in zoo.cached_problem(path) and 'recorded' in zoo.cached_problem(path)


def test_interrupted_download_reads_cleanly_through_zoo_scheme(served, cache, monkeypatch):
    server, src, _ = served
    _entry_with(monkeypatch, zoo.Mirror(server.url + src.name))
    server.cut_after[src.name] = 40000
    model = UniFormer(variant='uniformer_xxs',
                      init_cfg=dict(type='Pretrained', checkpoint=f'zoo://{NAME}'))
    with pytest.raises(CheckpointError) as err:
        model.init_weights()
    msg = str(err.value)
    assert 'stopped after 40000 of' in msg and 'run the same command again to resume' in msg
    assert 'truncated, corrupt' not in msg and '..' not in msg.replace('...', '')
