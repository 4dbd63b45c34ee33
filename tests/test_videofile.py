"""Video container headers (:mod:`uniformer_dense.datacheck.videofile`): what a few header
reads tell, on hand-made files of each format (the real videos are in test_video_data.py)."""
import struct

import pytest

from uniformer_dense.datacheck.videofile import video_file_problem


def _box(kind: bytes, body: bytes = b'') -> bytes:
    return struct.pack('>I4s', 8 + len(body), kind) + body


SOUND = _box(b'ftyp', b'isom0000') + _box(b'moov', b'x' * 20) + _box(b'mdat', b'y' * 30)


@pytest.mark.parametrize('name,content', [
    ('sound.mp4', SOUND),
    # a 64-bit box size (size field 1, then the size in the next 8 bytes)
    ('large_box.mov', _box(b'ftyp') + struct.pack('>I4sQ', 1, b'mdat', 16) + _box(b'moov')),
    # a last box of size 0 runs to the end of the file
    ('to_the_end.m4v', _box(b'ftyp') + _box(b'moov') + struct.pack('>I4s', 0, b'mdat') + b'abc'),
    ('sound.avi', b'RIFF' + struct.pack('<I', 14) + b'AVI ' + b'0' * 10),
    ('sound.mkv', b'\x1a\x45\xdf\xa3' + b'0' * 20),
    ('unknown.flv', b'left to the decoder'),
])
def test_sound_headers_pass(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert video_file_problem(str(path)) is None


@pytest.mark.parametrize('name,content,expected', [
    ('empty.flv', b'', 'the file is empty (0 bytes)'),
    ('page.mp4', b'<html>' * 10, 'not an MP4/QuickTime file (no valid box at its start)'),
    ('cut.mp4', _box(b'ftyp', b'isom0000') + struct.pack('>I4s', 1000, b'mdat') + b'z',
     "truncated: its 'mdat' box at byte 16 declares 1000 bytes but only 9 remain (the file "
     "has 25 bytes)"),
    ('cut_header.mp4', _box(b'ftyp') + b'\x00\x00',
     'truncated: it ends inside a box header at byte 8'),
    ('no_index.mp4', _box(b'ftyp', b'isom0000') + _box(b'mdat', b'y'),
     'no "moov" box (the index of its frames): the recording or download was cut short'),
    ('garbage_box.mp4', _box(b'ftyp') + struct.pack('>I4s', 12, b'\x00\x01\x02\x03') + b'abcd',
     'damaged: no valid box at byte 8 (after ftyp)'),
    ('not_riff.avi', b'RIFX' + b'0' * 20, 'not an AVI file (no RIFF/AVI header)'),
    ('cut.avi', b'RIFF' + struct.pack('<I', 100) + b'AVI ' + b'0' * 10,
     'truncated: its RIFF header declares 108 bytes but the file has 22'),
    ('not_ebml.webm', b'0' * 20, 'not a Matroska/WebM file (no EBML signature)'),
])
def test_damaged_headers_are_described(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert video_file_problem(str(path)) == expected
