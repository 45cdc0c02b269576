"""``MTLCheckpointHook``: mmengine's ``CheckpointHook``, made safe against interruptions.

No paper; engineering. Two changes, everything else (arguments included) is mmengine's:

- ``max_keep_ckpts``: mmengine deletes the oldest checkpoint *before* writing the new one,
  so a kill during that save (or a crash in it) can leave no checkpoint at all, with
  ``last_checkpoint`` naming a deleted file. Here the oldest is deleted only after the new
  one stands under its final name (the save itself is atomic, see ``MTLRunner``).
- ``last_checkpoint`` holds the file name relative to the work dir (written atomically), so
  a copied or moved work dir resumes from its own checkpoints.
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mtl.engine.runner import write_latest_checkpoint
from mtl.registry import HOOKS


@HOOKS.register_module()
class MTLCheckpointHook(CheckpointHook):
    """Takes exactly ``CheckpointHook``'s arguments."""

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
