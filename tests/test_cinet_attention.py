"""CI-Net's scene understanding module (Eqs. 1-2), ideal affinity (Eq. 3) and attention
loss (Eq. 4) against values worked out by hand, and the row-block forms against the direct ones."""
import math

import pytest
import torch
from torch.nn import functional as F

from mtl.models.base import ContractError
from mtl.models.builder import ConfigError
from mtl.registry import MODELS
from mtl.utils.label_affinity import ideal_affinity, resize_labels


def softplus(x):
    return math.log1p(math.exp(x))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def sum_module(**kwargs):
    return MODELS.build(dict(type='SceneUnderstandingModule', in_channels=[2], key_channels=1,
                             **kwargs))


def set_known_qkv(module):
    """Q = x₀, K = x₁, V = x (no biases)."""
    with torch.no_grad():
        for conv in (module.query, module.key, module.value):
            conv.bias.zero_()
        module.query.weight.copy_(torch.tensor([1.0, 0.0]).view(1, 2, 1, 1))
        module.key.weight.copy_(torch.tensor([0.0, 1.0]).view(1, 2, 1, 1))
        module.value.weight.copy_(torch.eye(2).view(2, 2, 1, 1))


# two pixels: x = (1, 2) and (3, -1); Q = (1, 3), K = (2, -1), Q Kᵀ = [[2, -1], [6, -3]]
X = torch.tensor([[1.0, 3.0], [2.0, -1.0]]).view(1, 2, 1, 2)
LOGITS = [[2.0, -1.0], [6.0, -3.0]]


# ---------------------------------------------------------------- Eq. 3
def test_ideal_affinity_is_m_m_transpose_on_a_3x3_label_map():
    labels = torch.tensor([[0, 0, 1], [1, 2, 255], [2, 2, 0]]).view(1, 9)
    m = F.one_hot(labels.clamp(max=2), 3).float() * (labels != 255)[..., None]  # N×C, ignored row 0
    affinity, valid = ideal_affinity(labels, labels, ignore_index=255)
    assert torch.equal(affinity[0], m[0] @ m[0].T)
    # by hand: pixel 0 (class 0) is like pixels 1 and 8; pixel 5 is ignored
    assert affinity[0, 0].tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert affinity[0, 5].sum() == 0 and not valid[0, 5].any() and not valid[0, :, 5].any()
    assert int(valid.sum()) == 8 * 8


def test_resize_labels_nearest():
    labels = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]])
    assert resize_labels(labels, (2, 2)).tolist() == [[[0, 1], [2, 3]]]
    assert resize_labels(labels[:, None], (2, 2)).tolist() == [[[0, 1], [2, 3]]]


# ---------------------------------------------------------------- Eqs. 1-2
def test_sum_equations_1_2_with_known_q_k_v():
    module = sum_module(normalize=False, attention_loss=None)
    set_known_qkv(module)
    y = module([X])[0]
    a = [[sigmoid(v) for v in row] for row in LOGITS]
    # Y_i = Σ_j Ã_ij x_j + x_i
    expected = [[a[i][0] * 1 + a[i][1] * 3 + (1, 3)[i] for i in range(2)],
                [a[i][0] * 2 + a[i][1] * -1 + (2, -1)[i] for i in range(2)]]
    assert torch.allclose(y[0, :, 0], torch.tensor(expected), atol=1e-6)
    normalized = sum_module(attention_loss=None)
    set_known_qkv(normalized)
    assert torch.allclose(normalized([X])[0], (y - X) / 2 + X, atol=1e-6)  # Ã V / N


def test_sum_ground_truth_mode_uses_the_ideal_affinity():
    module = sum_module(normalize=False)
    set_known_qkv(module)
    module.set_mode('attention', 'ground_truth')
    same = torch.zeros(1, 1, 2, dtype=torch.long)
    y, losses = module([X], labels=same)
    # A = all ones: Y_i = x_0 + x_1 + x_i
    assert torch.allclose(y[0][0, :, 0], torch.tensor([[5.0, 7.0], [3.0, 0.0]]))
    different = torch.tensor([[[0, 1]]])
    assert torch.allclose(module([X], labels=different)[0][0], 2 * X)  # A = I: Y = V + X
    # without labels at inference it falls back to its own attention
    module.eval()
    module.set_mode('attention', 'predicted')
    predicted = module([X])[0]
    module.set_mode('attention', 'ground_truth')
    assert torch.equal(module([X])[0], predicted)
    assert set(losses) == {'attention'}
    module.train()  # but training on it without labels is a configuration mistake
    with pytest.raises(ValueError, match="inputs=dict\\(labels='target"):
        module([X])


def test_sum_modes_are_declared_and_checked():
    module = sum_module()
    assert module.modes == {'attention': ('predicted', 'ground_truth')}
    with pytest.raises(ContractError, match='ground_truth'):
        module.set_mode('attention', 'ideal')
    assert module.auxiliary_loss_names() == ('attention',)
    assert sum_module(attention_loss=None).auxiliary_loss_names() == ()
    with pytest.raises(ValueError, match='chunk_size'):
        sum_module(checkpoint=True)
    with pytest.raises(ConfigError, match='model.neck.attention_loss'):
        sum_module(attention_loss=dict(type='AttentionLoss', reduction='max'))


def test_sum_keeps_other_levels_and_returns_the_attention_loss():
    module = MODELS.build(dict(type='SceneUnderstandingModule', in_channels=[3, 8]))
    features = [torch.randn(2, 3, 8, 8), torch.randn(2, 8, 4, 5)]
    labels = torch.randint(0, 3, (2, 32, 40))
    out, losses = module(features, labels=labels)
    assert out[0] is features[0] and out[1].shape == features[1].shape
    expected = MODELS.build(dict(type='AttentionLoss'))(
        module.query(features[1]).flatten(2).transpose(1, 2),
        module.key(features[1]).flatten(2).transpose(1, 2),
        resize_labels(labels, (4, 5)).flatten(1))
    assert torch.allclose(losses['attention'], expected)
    assert module.out_channels == [3, 8]


@pytest.mark.parametrize('mode', ['predicted', 'ground_truth'])
def test_sum_chunked_and_checkpointed_equal_direct(mode):
    features = [torch.randn(2, 8, 5, 7)]
    labels = torch.randint(0, 4, (2, 5, 7))
    labels[0, 0] = 255
    outputs = []
    for kwargs in (dict(), dict(chunk_size=6), dict(chunk_size=6, checkpoint=True)):
        torch.manual_seed(0)
        module = MODELS.build(dict(type='SceneUnderstandingModule', in_channels=[8], **kwargs))
        module.set_mode('attention', mode)
        x = features[0].clone().requires_grad_(True)
        (y,), losses = module([x], labels=labels)
        (y.square().sum() + losses['attention']).backward()
        outputs.append((y, losses['attention'], x.grad, module.query.weight.grad))
    for other in outputs[1:]:
        for a, b in zip(outputs[0], other):
            assert torch.allclose(a, b, atol=1e-6)


# ---------------------------------------------------------------- Eq. 4
def attention_loss(**kwargs):
    return MODELS.build(dict(type='AttentionLoss', **kwargs))


def test_attention_loss_equation_4_by_hand():
    query, key = torch.tensor([[[1.0], [3.0]]]), torch.tensor([[[2.0], [-1.0]]])
    labels = torch.tensor([[0, 1]])  # A = I
    # BCE from logits: −log σ(2), −log(1 − σ(−1)), −log(1 − σ(6)), −log σ(−3)
    terms = [softplus(-2.0), softplus(-1.0), softplus(6.0), softplus(3.0)]
    summed = attention_loss(reduction='sum')(query, key, labels)
    assert summed.item() == pytest.approx(sum(terms), rel=1e-6)
    assert attention_loss()(query, key, labels).item() == pytest.approx(sum(terms) / 4, rel=1e-6)
    ignored = torch.tensor([[0, 255]])  # only the pair (0, 0) is labelled
    assert attention_loss()(query, key, ignored).item() == pytest.approx(terms[0], rel=1e-6)


def test_attention_loss_is_finite_when_saturated_and_zero_without_labels():
    query = torch.full((1, 2, 1), 100.0, requires_grad=True)
    loss = attention_loss()(query, torch.full((1, 2, 1), -100.0), torch.tensor([[0, 0]]))
    loss.backward()
    assert torch.isfinite(loss) and loss.item() == pytest.approx(1e4)
    assert torch.isfinite(query.grad).all()
    empty = attention_loss()(query, query, torch.full((1, 2), 255))
    assert empty.item() == 0 and empty.requires_grad


def test_attention_loss_chunked_equals_direct():
    query = torch.randn(2, 37, 4, requires_grad=True)
    key = torch.randn(2, 37, 4, requires_grad=True)
    labels = torch.randint(0, 5, (2, 37))
    labels[1, :3] = 255
    results = []
    for chunk in (None, 5, 36):
        loss = attention_loss(chunk_size=chunk)(query, key, labels)
        grads = torch.autograd.grad(loss, (query, key))
        results.append((loss, *grads))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert torch.allclose(a, b, atol=1e-6, rtol=0)


def test_attention_loss_rejects_bad_shapes_and_options():
    with pytest.raises(ValueError, match='labels'):
        attention_loss()(torch.zeros(1, 4, 2), torch.zeros(1, 4, 2), torch.zeros(1, 3))
    with pytest.raises(ValueError, match='chunk_size'):
        attention_loss(chunk_size=0)


def saved_bytes(loss, n):
    """Bytes of the distinct storages autograd keeps for the backward pass at N pixels."""
    query, key = torch.randn(1, n, 4, requires_grad=True), torch.randn(1, n, 4, requires_grad=True)
    labels = torch.randint(0, 3, (1, n))
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss(query, key, labels)
    return sum(storages.values())


def test_chunked_attention_loss_keeps_memory_linear_in_n():
    direct, chunked = attention_loss(), attention_loss(chunk_size=16)
    # N² terms: doubling N quadruples what the direct loss keeps for its backward pass
    assert saved_bytes(direct, 256) / saved_bytes(direct, 128) > 3.5
    # row blocks recomputed in the backward pass keep Q, K and the labels: linear in N
    assert saved_bytes(chunked, 256) / saved_bytes(chunked, 128) < 2.2
    assert saved_bytes(chunked, 256) < saved_bytes(direct, 256) / 10
