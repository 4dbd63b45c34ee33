"""The authors' video UniFormer-S, read from your own checkout of their release, for timing.

    python benchmarks/run.py --only video --authors PATH/TO/Sense-X/UniFormer

Their network lives in ``video_classification/slowfast/models/uniformer.py`` of the release,
inside their SlowFast fork: it imports that fork's model registry and logger and takes a
SlowFast config node. This module loads the file as it is, with two stand-ins for those
imports (a registry whose ``register()`` returns the class unchanged, the standard
``logging`` module's loggers) and a config of UniFormer-S with the defaults of their
``slowfast/config/defaults.py`` (stages 3, 4, 8, 3; widths 64, 128, 320, 512; head dim 64;
no checkpointing) except the drop path: 0 as in the other two networks timed beside it
(their 0.1 would add stochastic-depth work to the training step). Nothing of their code is
copied into this project; the file is read from ``PATH`` when the benchmark runs. What is
timed is ``forward_features``: stem to the final norm, what our backbone computes (their
``forward`` adds the pooled classifier head)."""
import importlib.util
import logging
import sys
import types
from pathlib import Path

import torch.nn as nn

# Inside a checkout of https://github.com/Sense-X/UniFormer
VIDEO_FILE = Path('video_classification') / 'slowfast' / 'models' / 'uniformer.py'


def _namespace(**fields):
    return types.SimpleNamespace(**fields)


def small_config(num_classes: int = 400, crop: int = 224):
    """UniFormer-S as the release's SlowFast config describes it (their defaults), with no
    drop path (see the module's docstring)."""
    return _namespace(
        UNIFORMER=_namespace(DEPTH=[3, 4, 8, 3], EMBED_DIM=[64, 128, 320, 512], HEAD_DIM=64,
                             MLP_RATIO=4, QKV_BIAS=True, QKV_SCALE=None,
                             REPRESENTATION_SIZE=None, DROPOUT_RATE=0,
                             ATTENTION_DROPOUT_RATE=0, DROP_DEPTH_RATE=0, SPLIT=False,
                             STD=False, PRETRAIN_NAME=None),
        MODEL=_namespace(NUM_CLASSES=num_classes, USE_CHECKPOINT=False,
                         CHECKPOINT_NUM=[0, 0, 0, 0]),
        DATA=_namespace(TRAIN_CROP_SIZE=crop, INPUT_CHANNEL_NUM=[3]))


def _load_module(path: Path):
    """Their file as the module ``slowfast.models.uniformer``, with stand-ins for the two
    modules of their fork it imports (``.build`` and ``slowfast.utils.logging``)."""
    class Registry:
        def register(self):
            return lambda cls: cls

    stand_ins = {'slowfast': types.ModuleType('slowfast'),
                 'slowfast.models': types.ModuleType('slowfast.models'),
                 'slowfast.models.build': types.ModuleType('slowfast.models.build'),
                 'slowfast.utils': types.ModuleType('slowfast.utils'),
                 'slowfast.utils.logging': types.ModuleType('slowfast.utils.logging')}
    stand_ins['slowfast'].__path__ = stand_ins['slowfast.models'].__path__ = []
    stand_ins['slowfast.utils'].__path__ = []
    stand_ins['slowfast.models.build'].MODEL_REGISTRY = Registry()
    stand_ins['slowfast.utils.logging'].get_logger = logging.getLogger
    stand_ins['slowfast.utils'].logging = stand_ins['slowfast.utils.logging']
    for name, module in stand_ins.items():
        sys.modules.setdefault(name, module)
    spec = importlib.util.spec_from_file_location('slowfast.models.uniformer', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AuthorsVideoBackbone(nn.Module):
    """Their ``Uniformer`` whose forward is ``forward_features`` of a clip tensor."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return self.network.forward_features(x)


def authors_video_s(checkout) -> AuthorsVideoBackbone:
    """The authors' video UniFormer-S (random initialisation, theirs) from ``checkout``."""
    path = Path(checkout) / VIDEO_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f'{path} not found: --authors takes a checkout of '
            f'https://github.com/Sense-X/UniFormer (the folder holding video_classification/)')
    return AuthorsVideoBackbone(_load_module(path).Uniformer(small_config()))
