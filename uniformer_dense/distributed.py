"""Multi-process runs through MMEngine's own launchers, on GPUs and on CPU-only machines.

``tools/train.py`` / ``tools/test.py --launcher pytorch|slurm|mpi`` hand the process group to
MMEngine (``mmengine.dist.init_dist``), as the toolboxes' tools do. Three things in MMEngine
assume GPUs; :func:`prepare_distributed`, called before the runner is built, deals with them
when no CUDA device is usable:

* the process group: ``init_dist`` calls ``torch.cuda.set_device(local_rank)`` before it
  initialises the group, which fails on a CUDA build of torch without a driver. It is called
  here with that call skipped, and the backend is ``gloo`` (the only CPU backend torch ships);
  the runner then finds the group initialised and uses it.
* DDP: the runner wraps the model with ``device_ids=[LOCAL_RANK]``, a GPU index; on CPU the
  wrapper gets no device ids.
* SyncBN: ``torch.nn.SyncBatchNorm`` refuses CPU tensors, so ``SyncBN`` in the model config
  (MMSegmentation's and MMDetection's heads use it) becomes ``BN`` and ``sync_bn`` is dropped,
  each with a log line. Batch statistics are then per process.

The backend: ``env_cfg.dist_cfg.backend`` of the config (or ``--cfg-options``) when given,
otherwise ``nccl`` where CUDA is available and ``gloo`` where it is not.

SyncBN on GPUs, for every task: ``--cfg-options sync_bn=torch`` converts every BatchNorm of
the model (UniFormer's local stages 1-2, the light models' stem, the heads) to
``torch.nn.SyncBatchNorm`` when the runner wraps it for distributed training (MMEngine's
``sync_bn`` option); the detection and segmentation configs' heads already name ``SyncBN``.
"""
from __future__ import annotations

import atexit
import contextlib
import logging

from mmengine.config import Config
from mmengine.logging import print_log


def cuda_usable() -> bool:
    import torch
    return torch.cuda.is_available() and torch.cuda.device_count() > 0


@contextlib.contextmanager
def _without_set_device():
    """``torch.cuda.set_device`` as a no-op (MMEngine's init_dist calls it unconditionally)."""
    import torch
    original = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = original


def _sync_bn_to_bn(node) -> int:
    """Replace ``type='SyncBN'`` norm configs by ``'BN'`` in place; returns how many."""
    count = 0
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            count += 1
        for value in node.values():
            count += _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count += _sync_bn_to_bn(value)
    return count


def prepare_distributed(cfg: Config) -> None:
    """Set up a multi-process run (``cfg.launcher`` other than ``'none'``) before the runner
    is built; nothing changes on GPUs beyond the backend default."""
    launcher = cfg.get('launcher', 'none')
    if launcher in (None, 'none'):
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    if cuda_usable():
        dist_cfg.setdefault('backend', 'nccl')
        return
    import torch.distributed as dist
    from mmengine.dist import init_dist
    backend = dist_cfg.get('backend') or 'gloo'
    if backend == 'nccl':
        print_log('No CUDA device: the process group uses gloo instead of the configured '
                  'nccl (NCCL needs GPUs).', logger='current', level=logging.WARNING)
        backend = 'gloo'
    dist_cfg['backend'] = backend
    if not dist.is_initialized():
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
        with _without_set_device():
            init_dist(launcher, backend=backend, **kwargs)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None,
                                     broadcast_buffers=False,
                                     find_unused_parameters=cfg.get('find_unused_parameters',
                                                                    False))
    converted = _sync_bn_to_bn(cfg.get('model'))
    if cfg.get('sync_bn') is not None:
        cfg.sync_bn = None
        converted += 1
    if converted:
        print_log('No CUDA device: SyncBN (torch.nn.SyncBatchNorm needs GPUs) becomes per-process '
                  'BatchNorm in this run.', logger='current', level=logging.WARNING)


def prepare_toolbox_runners() -> bool:
    """On a machine without a usable CUDA device, make every ``Runner.from_cfg`` (the
    toolboxes' own ``tools/train.py`` / ``test.py`` build their runner with it) run
    :func:`prepare_distributed` first, so ``--launcher pytorch|slurm|mpi`` there gets the same
    gloo group, DDP without device ids and per-process BatchNorm as the package's tools. A
    group initialised there is also ended there, at exit (:func:`finish_distributed`).

    ``import uniformer_dense`` (a config's ``custom_imports``) calls it through
    :func:`uniformer_dense.registry.register_all`. Where CUDA is usable nothing is changed.
    Idempotent; returns whether ``Runner.from_cfg`` is wrapped."""
    if cuda_usable():
        return False
    from mmengine.runner import Runner
    if getattr(Runner.from_cfg, 'prepares_distributed', False):
        return True
    build = Runner.from_cfg.__func__

    def from_cfg(cls, cfg):
        import torch.distributed as dist
        initialised_before = dist.is_available() and dist.is_initialized()
        prepare_distributed(cfg)
        runner = build(cls, cfg)
        if not initialised_before and dist.is_available() and dist.is_initialized():
            atexit.register(finish_distributed, runner)
        return runner

    from_cfg.prepares_distributed = True
    from_cfg.__doc__ = build.__doc__
    Runner.from_cfg = classmethod(from_cfg)
    return True


def finish_distributed(runner=None) -> None:
    """End a multi-process run in step, while the interpreter is fully alive: the runner's
    DDP wrapper is dropped (it holds the process group through its reducer), all processes
    meet, then the group is destroyed.

    ``destroy_process_group`` only forgets the group; an object still holding it (the DDP
    wrapper of a runner the tool keeps) frees it during interpreter teardown, where gloo's
    worker threads releasing tensors can abort the process (SIGABRT, "terminate called
    without an active exception") after the work is done, which torchrun reports as a failed
    job (seen in one CI run of the suite, rank 1 of a 2-process pose run)."""
    import gc

    import torch.distributed as dist
    from mmengine.model import is_model_wrapper
    if not (dist.is_available() and dist.is_initialized()):
        return
    if runner is not None and is_model_wrapper(getattr(runner, 'model', None)):
        runner.model = runner.model.module
    gc.collect()
    dist.barrier()
    dist.destroy_process_group()
    gc.collect()
