"""Training hooks the harness adds to every run."""
import math

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class NonFiniteLossError(RuntimeError):
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
        bad = {k: float(v) for k, v in outputs.items()
               if k.startswith('loss') and (isinstance(v, (int, float)) or hasattr(v, 'item'))
               and not math.isfinite(float(v))}
        if not bad:
            return
        last = runner.work_dir + '/last_checkpoint'
        raise NonFiniteLossError(
            f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
            f'{bad}. Training stopped before saving, so the latest checkpoint in '
            f'{runner.work_dir} (see {last}) is the last good one. Lower the learning rate, '
            f'enable gradient clipping (optim_wrapper.clip_grad) or check the data, then '
            f'continue with --resume.')
