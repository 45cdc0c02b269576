"""The mean-depth baseline tool: the training mean and the constant's scores, by hand."""
import torch

from mtl.tools.mean_depth_baseline import evaluate_constant, mean_depth


class Frames:
    """Two 1×2×2 depth maps; 0 is invalid. The metric reads the depth range from metainfo,
    as it does in the runner."""
    metainfo = dict(depth_range=(1e-3, 10.0))

    def __init__(self):
        self.maps = [torch.tensor([[[1.0, 2.0], [4.0, 0.0]]]),
                     torch.tensor([[[2.0, 2.0], [2.0, 2.0]]])]

    def __len__(self):
        return len(self.maps)

    def __getitem__(self, index):
        return {'depth': self.maps[index]}


def test_the_mean_is_over_valid_pixels_of_all_frames():
    assert mean_depth(Frames(), max_samples=10) == (1 + 2 + 4 + 2 * 4) / 7


def test_the_constant_is_scored_with_the_datasets_depth_range():
    # abs rel per valid pixel |2 - d| / d: frame 1 gives 1, 0, 0.5; frame 2 gives 0 four times
    per_image = evaluate_constant(Frames(), dict(type='DepthMetric'), 2.0, max_samples=10)
    assert abs(per_image['abs_rel'] - ((1 + 0 + 0.5) / 3 + 0.0) / 2) < 1e-9
    pooled = evaluate_constant(Frames(), dict(type='DepthMetric', per_image=False), 2.0, 10)
    assert abs(pooled['abs_rel'] - (1 + 0 + 0.5) / 7) < 1e-9
