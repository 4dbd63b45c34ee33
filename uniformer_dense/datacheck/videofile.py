"""What a few header reads tell about a video file, before anything decodes it.

A download or recording cut short, an HTML error page saved as ``.mp4``, an empty file:
each would otherwise surface as a bare decoder error inside a dataloader worker, hours into
a run. The container structure tells them apart from a sound file in a few bytes per file:
the chain of top-level boxes of MP4/MOV (ISO base media) files, the RIFF size of AVI
files, the EBML signature of Matroska/WebM. Damage inside a well-formed container is left
to the checking decoders of :mod:`uniformer_dense.datacheck.transforms`.
"""
from __future__ import annotations

import os.path as osp
import re
import struct
from typing import Optional

_BOX_TYPE = re.compile(rb'[A-Za-z0-9 _\-\xa9]{4}')
# Boxes an ISO base media (MP4) or QuickTime file can start with.
_FIRST_BOXES = (b'ftyp', b'styp', b'moov', b'mdat', b'free', b'skip', b'wide', b'pnot',
                b'junk', b'uuid', b'sidx', b'pdin', b'meta')


def video_file_problem(path: str) -> Optional[str]:
    """What is wrong with a video file that a few header reads can tell, or None.

    Empty files for any format; for MP4/MOV (ISO base media) files the chain of top-level
    boxes (each box's declared size must fit in the file, and the ``moov`` index of the
    frames must be there: a download or recording cut short fails both); for AVI files
    the RIFF header and size; for Matroska/WebM the EBML signature. Other formats are left
    to the decoder (see :mod:`uniformer_dense.datacheck.transforms`).
    """
    size = osp.getsize(path)
    if size == 0:
        return 'the file is empty (0 bytes)'
    ext = osp.splitext(path)[1].lower()
    with open(path, 'rb') as f:
        head = f.read(16)
        if ext in ('.mp4', '.m4v', '.mov', '.3gp', '.3g2'):
            return _iso_media_problem(f, size)
        if ext == '.avi':
            if head[:4] != b'RIFF' or head[8:12] != b'AVI ':
                return 'not an AVI file (no RIFF/AVI header)'
            riff = struct.unpack('<I', head[4:8])[0]
            if riff + 8 > size:
                return (f'truncated: its RIFF header declares {riff + 8} bytes but the file '
                        f'has {size}')
        if ext in ('.mkv', '.webm') and head[:4] != b'\x1a\x45\xdf\xa3':
            return 'not a Matroska/WebM file (no EBML signature)'
    return None


def _iso_media_problem(f, size: int) -> Optional[str]:
    """Walk the top-level boxes of an open MP4/QuickTime file of ``size`` bytes."""
    offset, seen = 0, []
    while offset < size:
        f.seek(offset)
        header = f.read(16)
        if len(header) < 8:
            return f'truncated: it ends inside a box header at byte {offset}'
        box_size, kind = struct.unpack('>I4s', header[:8])
        if box_size == 1:
            if len(header) < 16:
                return f'truncated: it ends inside a box header at byte {offset}'
            box_size = struct.unpack('>Q', header[8:16])[0]
        elif box_size == 0:
            box_size = size - offset  # the last box runs to the end of the file
        if offset == 0 and kind not in _FIRST_BOXES:
            return 'not an MP4/QuickTime file (no valid box at its start)'
        if not _BOX_TYPE.fullmatch(kind) or box_size < 8:
            if offset == 0:
                return 'not an MP4/QuickTime file (no valid box at its start)'
            return (f'damaged: no valid box at byte {offset} (after '
                    f'{b", ".join(seen).decode("latin-1")})')
        name = kind.decode('latin-1')
        if offset + box_size > size:
            return (f'truncated: its {name!r} box at byte {offset} declares {box_size} bytes '
                    f'but only {size - offset} remain (the file has {size} bytes)')
        seen.append(kind)
        offset += box_size
    if b'moov' not in seen:
        return ('no "moov" box (the index of its frames): the recording or download was cut '
                'short')
    return None
