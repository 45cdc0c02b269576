"""A tiny two-task model without a backbone, a dataset whose samples lack some targets,
and a runner config with TrainingStagesHook, for the tests that run the contracts of
``mtl/models/base.py`` through mmengine's runner (no paper: framework plumbing)."""
import copy
from typing import Optional, Sequence

import jiao_fixtures as jf

DEPTH_HEAD = dict(type='DepthHead', min_depth=1e-3, max_depth=10.0)

DECODER = dict(type='LightDecoder', channels=(8, 8))
# Per batch of two: [depth only, seg only], [both, both], [seg only, seg only], [depth only, both].
MIXED_TARGETS = [('depth',), ('seg',), ('depth', 'seg'), ('depth', 'seg'), ('seg',), ('seg',),
                 ('depth',), ('depth', 'seg')]


def model_cfg(interactions: dict, combiner: Optional[dict] = None) -> dict:
    return dict(
        type='MultiTaskModel',
        tasks=dict(depth=dict(branch=DECODER, head=DEPTH_HEAD),
                   seg=dict(branch=DECODER, head=dict(type='SegHead', num_classes=jf.NUM_CLASSES))),
        interactions=copy.deepcopy(interactions),
        losses={'depth.l1': dict(type='MaskedL1Loss'), 'seg.ce': dict(type='CrossEntropyLoss')},
        combiner=combiner or dict(type='FixedWeighting'))


class MixedDataset(jf.TinyDataset):
    """``MIXED_TARGETS``: samples with depth only, labels only, or both."""

    def __init__(self, targets: Sequence[Sequence[str]] = tuple(MIXED_TARGETS)):
        super().__init__(len(targets))
        self.samples = [jf.make_sample(i, t) for i, t in enumerate(targets)]


def runner_cfg(work_dir: str, model: dict, stages: list, hooks: Sequence = (),
               dataset=None, **kwargs) -> dict:
    """``jf.runner_cfg`` with this model, these stages (their lengths give max_iters)."""
    cfg = jf.runner_cfg(work_dir, stages=stages, max_iters=sum(s['length'] for s in stages),
                        hooks=list(hooks), **kwargs)
    cfg['model'] = model
    if dataset is not None:
        cfg['train_dataloader']['dataset'] = dataset
    return cfg
