"""``MTLRunner``: mmengine's runner with safe, strict loading and crash-proof saving.

No paper; engineering. Differences from ``mmengine.runner.Runner``:

- checkpoints are read with :func:`mtl.engine.checkpoint.load_checkpoint` and put into the
  model strictly (:func:`mtl.engine.weights.load_weights`); ``load_strict=False`` in the
  config (``--non-strict`` in the tools) loads the matching weights deliberately;
- ``load_from`` may name a work dir (its ``last_checkpoint`` is loaded, so a config can
  start from another config's run, e.g. fine-tuning), a missing ``load_from`` fails at once
  with what to run first, and ``load_renames = {old prefix: new prefix}`` renames the
  checkpoint's keys for ``load_from`` (not for resuming);
- a checkpoint is written under a temporary name, flushed to disk and renamed, so no
  half-written ``iter_N.pth`` ever stands under its final name (a kill during the save
  leaves the previous checkpoints and ``last_checkpoint`` intact);
- ``last_checkpoint`` is read relative to the work dir (``MTLCheckpointHook`` writes it
  so), and an absolute one from a copied or moved work dir is resolved to the copy's own
  file, so a copy resumes from itself;
- the configuration is checked before anything is built (``mtl.engine.startup_checks``),
  and the training data before the first iteration;
- a non-finite loss stops the run at its step (``NonFiniteLossHook``, added unless the
  config lists one);
- every runner gets an experiment name of its own (config name, time, a per-process
  count), which names its logger, message hub and visualizer: mmengine keeps these as
  process-wide instances by name, so two runners started in the same second (the Python
  API, tests, benchmarks) would otherwise share them and write into the first run's folder.

The tools build every runner with :func:`build_runner`; configs name it with
``runner_type = 'MTLRunner'`` (``configs/_base_/default_runtime.py``).
"""
import itertools
import os
import os.path as osp
import time
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mtl.engine.checkpoint import load_checkpoint
from mtl.engine.non_finite import NonFiniteLossHook
from mtl.engine.startup_checks import check_config, check_train_data
from mtl.engine.weights import load_weights
from mtl.registry import RUNNERS

LAST_CHECKPOINT = 'last_checkpoint'
_RUN_COUNT = itertools.count()


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` names, resolved inside ``work_dir``; None
    when there is none."""
    record = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(record):
        return None
    with open(record) as f:
        named = f.read().strip()
    own_copy = osp.join(work_dir, osp.basename(named))
    if osp.isabs(named) and osp.dirname(osp.abspath(named)) != osp.abspath(work_dir) \
            and osp.isfile(own_copy):
        return own_copy  # a copied or moved work dir: resume from the copy, not the original
    return named if osp.isabs(named) else osp.join(work_dir, named)


def write_latest_checkpoint(work_dir: str, checkpoint: str) -> None:
    """Record ``checkpoint`` relative to ``work_dir`` (absolute if outside it), atomically."""
    relative = osp.relpath(osp.abspath(checkpoint), osp.abspath(work_dir))
    named = checkpoint if relative.startswith('..') else relative
    partial = osp.join(work_dir, f'.{LAST_CHECKPOINT}.partial')
    with open(partial, 'w') as f:
        f.write(named)
    os.replace(partial, osp.join(work_dir, LAST_CHECKPOINT))


def resolve_load_from(load_from: str) -> str:
    """The checkpoint ``load_from`` names: a URL or a file as it is, a work dir's latest
    checkpoint; a missing file or a work dir without checkpoints is an error that says so."""
    if '://' in load_from:
        return load_from
    if osp.isdir(load_from):
        found = latest_checkpoint(load_from)
        if found is None or not osp.isfile(found):
            raise FileNotFoundError(f'load_from="{load_from}" is a directory without a '
                                    f'{LAST_CHECKPOINT} checkpoint: train the run that writes it '
                                    f'first (the config names it), or point load_from at a file.')
        return found
    if not osp.isfile(load_from):
        raise FileNotFoundError(f'load_from="{load_from}" does not exist: train the run that '
                                f'writes it first (a chained config names that run), or fix the '
                                f'path (relative paths are read from {os.getcwd()}).')
    return load_from


@RUNNERS.register_module()
class MTLRunner(Runner):
    """See the module docstring."""

    @classmethod
    def from_cfg(cls, cfg) -> 'MTLRunner':
        check_config(cfg)
        if not cfg.get('experiment_name'):
            stem = osp.splitext(osp.basename(cfg.filename))[0] if cfg.filename else 'run'
            cfg.experiment_name = f'{stem}_{time.strftime("%Y%m%d_%H%M%S")}_{next(_RUN_COUNT)}'
        return super().from_cfg(cfg)

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        if not any(isinstance(hook, NonFiniteLossHook) for hook in self.hooks):
            self.register_hook(NonFiniteLossHook())

    def load_checkpoint(self, filename: str, map_location='cpu', strict: Optional[bool] = None,
                        revise_keys=None, renames: Optional[dict] = None):
        """Safe and strict (``strict=None`` follows the config's ``load_strict``, default
        True); ``revise_keys`` is not supported (``module.`` prefixes are always removed;
        ``renames`` renames key prefixes, see :func:`mtl.engine.weights.renamed`)."""
        if revise_keys is not None:
            raise ValueError('MTLRunner.load_checkpoint does not rename keys (revise_keys); '
                             'rename them in the checkpoint instead.')
        strict = self.cfg.get('load_strict', True) if strict is None else strict
        checkpoint = load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        load_weights(model, checkpoint, filename, strict=strict, renames=renames)
        self._has_loaded = True
        self.logger.info(f'Loaded checkpoint {filename}')
        return checkpoint

    def load_or_resume(self) -> None:
        if not self._has_loaded and not self._resume and self._load_from is not None:
            self.load_checkpoint(resolve_load_from(self._load_from),
                                 renames=self.cfg.get('load_renames'))
            return
        if not self._has_loaded and self._resume and self._load_from is None:
            found = latest_checkpoint(self.work_dir)
            if found is None:
                self.logger.warning(f'resume=True, but {self.work_dir} holds no '
                                    f'{LAST_CHECKPOINT}: training starts from scratch.')
                self._resume = False
            self._load_from = found
        super().load_or_resume()

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs) -> None:
        partial = f'.{filename}.partial'
        super().save_checkpoint(out_dir, partial, *args, **kwargs)
        if not is_main_process():
            return
        with open(osp.join(out_dir, partial), 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(osp.join(out_dir, partial), osp.join(out_dir, filename))

    def build_train_loop(self, loop):
        loop = super().build_train_loop(loop)
        check_train_data(loop.dataloader)
        return loop
