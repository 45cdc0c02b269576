"""Partial supervision (Jiao et al., ECCV 2018, supplement §8): a sample without a task's
target gives no gradient to that task's branch, also through the lateral sharing units."""
import torch

import jiao_fixtures as jf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.datasets.collate import mtl_collate
from mtl.engine.partial_supervision import PartialSupervisionHook, task_presence
from mtl.registry import MODELS

SEG_PARTS = ('branches.seg', 'heads.seg')
DEPTH_PARTS = ('branches.depth', 'heads.depth')


def build(init_cross=0.5):
    torch.manual_seed(0)
    return MODELS.build(jf.model_cfg(init_cross=init_cross))


def gradients(model, batch, gate=True):
    """Gradients of the total loss for a collated batch, keyed by parameter name."""
    model.zero_grad()
    presence = task_presence({t: c['target'] for t, c in model.task_cfg.items()}, batch)
    PartialSupervisionHook._set(model, presence if gate else None)
    data = model.data_preprocessor(batch, True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    sum(v for k, v in losses.items() if k.startswith('loss_')).backward()
    PartialSupervisionHook._set(model, None)
    return {n: p.grad.clone() if p.grad is not None else torch.zeros_like(p)
            for n, p in model.named_parameters()}


def total(grads, parts):
    return sum(g.abs().sum() for n, g in grads.items() if n.startswith(parts))


def test_task_presence_from_a_mixed_batch():
    batch = mtl_collate([jf.make_sample(0, ('depth',)), jf.make_sample(1, ('seg',)),
                         jf.make_sample(2)])
    presence = task_presence({'depth': 'depth', 'seg': 'seg', 'normals': 'normals'}, batch)
    assert presence['depth'].tolist() == [True, False, True]
    assert presence['seg'].tolist() == [False, True, True]
    assert presence['normals'].tolist() == [False, False, False]


def test_depth_only_samples_give_no_gradient_to_the_semantic_branch():
    model = build().train()  # LSUs share across tasks (γ, φ = 0.5)
    batch = mtl_collate([jf.make_sample(0, ('depth',)), jf.make_sample(1, ('depth',))])
    gated = gradients(model, batch)
    assert total(gated, SEG_PARTS) == 0
    assert total(gated, DEPTH_PARTS) > 0 and total(gated, ('interactions',)) > 0
    # Without the gate the depth loss reaches the semantic branch through the LSUs.
    assert total(gradients(model, batch, gate=False), ('branches.seg',)) > 0


def test_labels_only_samples_give_no_gradient_to_the_depth_branch():
    model = build().train()
    batch = mtl_collate([jf.make_sample(0, ('seg',)), jf.make_sample(1, ('seg',))])
    gated = gradients(model, batch)
    assert total(gated, DEPTH_PARTS) == 0 and total(gated, SEG_PARTS) > 0


def test_mixed_batch_each_branch_learns_only_from_its_own_samples():
    """Batch = [depth-only, labels-only]. Batch norm in eval mode keeps the samples
    independent, so a branch's gradient must not depend at all on the other kind of
    sample's target."""
    model = build().eval()
    depth_only, seg_only = jf.make_sample(0, ('depth',)), jf.make_sample(1, ('seg',))
    reference = gradients(model, mtl_collate([depth_only, seg_only]))
    assert total(reference, SEG_PARTS) > 0 and total(reference, DEPTH_PARTS) > 0
    other_depth = dict(depth_only, depth=depth_only['depth'].flip(-1) * 2)
    other_labels = dict(seg_only, seg=(seg_only['seg'] + 1) % jf.NUM_CLASSES)
    changed_depth = gradients(model, mtl_collate([other_depth, seg_only]))
    changed_labels = gradients(model, mtl_collate([depth_only, other_labels]))
    for name, grad in reference.items():
        if name.startswith(SEG_PARTS):
            assert torch.equal(grad, changed_depth[name]), name
        if name.startswith(DEPTH_PARTS):
            assert torch.equal(grad, changed_labels[name]), name
    # ... and each really learns from its own samples.
    assert not torch.equal(reference['heads.depth.conv.0.weight'],
                           changed_depth['heads.depth.conv.0.weight'])
    assert not torch.equal(reference['heads.seg.conv.0.weight'],
                           changed_labels['heads.seg.conv.0.weight'])
