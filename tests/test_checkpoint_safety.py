"""Safe loading stays on; MMEngine's own checkpoint types are readable, nothing else."""
import io

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

import uniformer_dense  # noqa: F401  (installs the allow-list)


def test_mmengine_message_hub_state_loads_with_weights_only():
    buf = HistoryBuffer()
    for v in (1.0, 2.0, 4.0):
        buf.update(v)
    blob = io.BytesIO()
    torch.save({'message_hub': {'log_scalars': {'train/loss': buf}},
                'meta': {'seed': np.int64(3), 'ratio': np.float32(0.5)}}, blob)
    blob.seek(0)
    loaded = torch.load(blob, weights_only=True)
    assert loaded['message_hub']['log_scalars']['train/loss'].mean() == pytest.approx(7 / 3)
    assert loaded['meta']['seed'] == 3


class _Sneaky:
    """Pickles as getattr(HistoryBuffer, <name>) for a name that is not a method."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return getattr, (HistoryBuffer, self.name)


@pytest.mark.parametrize('name', ['__dict__', '__class__', '_statistics_methods'])
def test_getattr_beyond_history_buffer_methods_is_refused(name):
    blob = io.BytesIO()
    torch.save({'x': _Sneaky(name)}, blob)
    blob.seek(0)
    with pytest.raises(Exception, match='Refusing getattr|Unsupported|not an allowed'):
        torch.load(blob, weights_only=True)


def test_user_given_files_are_read_with_safe_loading(tmp_path):
    """read_checkpoint (the loader of init_cfg, load_from checks and the conversion tool)
    reads a local file through the same safe load as the model zoo: MMEngine's own types
    load, anything else that would run code while unpickling is refused."""
    import fractions

    from uniformer_dense.checkpoint import CheckpointError, read_checkpoint
    buf = HistoryBuffer()
    buf.update(1.0)
    ours = tmp_path / 'ours.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'message_hub': {'loss': buf},
                'meta': {'seed': np.int64(3)}}, ours)
    assert read_checkpoint(str(ours))['meta']['seed'] == 3
    unsafe = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'lr': fractions.Fraction(1, 3)}, unsafe)
    with pytest.raises(CheckpointError, match='cannot be read: UnpicklingError'):
        read_checkpoint(str(unsafe))
