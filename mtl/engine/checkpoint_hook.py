"""``MTLCheckpointHook``: mmengine's ``CheckpointHook``, made safe against interruptions.

No paper; engineering. Three changes, everything else (arguments included) is mmengine's:

- ``max_keep_ckpts``: mmengine deletes the oldest checkpoint *before* writing the new one,
  so a kill during that save (or a crash in it) can leave no checkpoint at all, with
  ``last_checkpoint`` naming a deleted file. Here the oldest is deleted only after the new
  one stands under its final name (the save itself is atomic, see ``MTLRunner``).
- ``last_checkpoint`` holds the file name relative to the work dir (written atomically), so
  a copied or moved work dir resumes from its own checkpoints.
- Extra keyword arguments, which mmengine passes on to ``Runner.save_checkpoint`` at every
  save, are checked when the hook is built: a misspelled key (``intervall=``) fails before
  training instead of crashing the first save.
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from mtl.engine.runner import write_latest_checkpoint
from mtl.engine.startup_checks import check_keys, named_parameters
from mtl.registry import HOOKS

# Runner.save_checkpoint arguments the hook fills itself
SET_BY_THE_HOOK = {'out_dir', 'filename', 'meta', 'by_epoch', 'save_optimizer',
                   'save_param_scheduler', 'file_client_args', 'backend_args'}


@HOOKS.register_module()
class MTLCheckpointHook(CheckpointHook):
    """Takes exactly ``CheckpointHook``'s arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        passed_on = named_parameters(Runner.save_checkpoint)[0] - SET_BY_THE_HOOK
        check_keys(self.args, passed_on | named_parameters(CheckpointHook.__init__)[0],
                   'default_hooks.checkpoint')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        keep, dropped = self.max_keep_ckpts, None
        if keep > 0 and (not self.keep_ckpt_ids or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == keep:
                dropped = self.keep_ckpt_ids[0]
            self.keep_ckpt_ids.append(step)  # a deque of maxlen keep: drops the oldest
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        self.max_keep_ckpts = -1  # mmengine's save, without its delete-first bookkeeping
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            self.max_keep_ckpts = keep
        if not is_main_process():
            return
        write_latest_checkpoint(runner.work_dir, self.last_ckpt)
        if dropped is not None:
            old = osp.join(self.out_dir, self.filename_tmpl.format(dropped))
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)
