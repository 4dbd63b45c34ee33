"""Training hooks the harness adds to every run.

Importing ``uniformer_dense`` registers them in MMEngine's root hook registry, which every
toolbox scope falls back to, so a config with ``custom_imports=dict(imports=['uniformer_dense'])``
can name them under MMDetection's / MMSegmentation's / MMPose's / MMAction2's own
``tools/train.py`` too; the shipped configs do (``custom_hooks``).
"""
import math

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .errors import UserError

#: The hooks every training run gets (tools/train.py adds those a config does not name).
SAFEGUARD_HOOKS = ('NonFiniteLossHook', 'RandomStateHook')


class NonFiniteLossError(UserError, RuntimeError):
    pass


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first NaN/inf loss, before anything is saved.

    MMEngine would otherwise keep stepping on NaN weights and write them into the next
    checkpoint. Raising here leaves the last good checkpoint (and ``last_checkpoint``) as the
    latest file in the work dir, ready for ``--resume`` after the cause is fixed.
    """
    priority = 'VERY_HIGH'  # before CheckpointHook's after_train_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not outputs:
            return
        # .item(), not float(): the total loss still holds its graph (float() warns on it)
        values = {k: v.item() if hasattr(v, 'item') else v for k, v in outputs.items()
                  if k.startswith('loss') and (isinstance(v, (int, float)) or hasattr(v, 'item'))}
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            return
        last = runner.work_dir + '/last_checkpoint'
        raise NonFiniteLossError(
            f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
            f'{bad}. Training stopped before saving, so the latest checkpoint in '
            f'{runner.work_dir} (see {last}) is the last good one. Lower the learning rate, '
            f'enable gradient clipping (optim_wrapper.clip_grad) or check the data, then '
            f'continue with --resume.')


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Make ``--resume`` continue the random streams where the checkpoint left them.

    MMEngine restores weights, optimizer, schedulers and the iteration count, then re-seeds,
    so the random draws after a resume (drop path, dropout, augmentation in the main
    process) differ from those of the uninterrupted run. This hook stores the torch (CPU and
    CUDA), numpy and Python generator states in every checkpoint's ``meta`` and restores
    them where the uninterrupted run stood:

    * epoch-based loops: all of them, right after loading (the next epoch's data loading
      then draws what it would have drawn);
    * iteration-based loops: IterBasedTrainLoop first replays the data of the skipped
      iterations, which re-creates the numpy/Python states of data loading by itself, so
      only torch's state is restored, right before the first iteration (the model's draws).

    Dataloader workers need nothing: MMEngine seeds each from the config's seed and worker
    id, and their samples are replayed.
    """
    priority = 'VERY_LOW'  # save the states after every other hook has drawn its numbers

    def __init__(self):
        self._torch_state = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        import random

        import numpy as np
        import torch
        state = dict(torch=torch.get_rng_state(), numpy=np.random.get_state(),
                     python=random.getstate())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        from mmengine.runner import IterBasedTrainLoop
        state = (checkpoint.get('meta') or {}).get('rng_state')
        if state is None or not getattr(runner, '_resume', True):  # load_from: a fresh run
            return
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            self._torch_state = state
            return
        import random

        import numpy as np
        np.random.set_state(state['numpy'])
        random.setstate(state['python'])
        self._set_torch(state)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._torch_state is not None:
            self._set_torch(self._torch_state)
            self._torch_state = None

    @staticmethod
    def _set_torch(state):
        import torch
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
