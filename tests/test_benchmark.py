"""tools/benchmark.py modes (mtl/benchmark/), the GPU switches (mtl/engine/performance.py) and
tools/gpu_report.py's dry run, on tiny models."""
import argparse
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mtl.benchmark import combiners, data, efficiency, evaluation, inference, overhead
from mtl.benchmark.rounds import interleave, ratio
from mtl.benchmark.train import give_label_counts
from mtl.engine.channels_last import ChannelsLastHook
from mtl.engine.performance import amp_wrapper_cfg, apply_performance_options, compile_train_step
from mtl.models.base import UsesLabelCounts
from mtl.models.data_preprocessor import MultiTaskDataPreprocessor

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / 'tests/configs/tiny_hps_synthrooms.py')


def test_rounds_interleave_the_candidates_and_ratios_are_per_round():
    calls = []
    times = interleave({'a': lambda: calls.append('a'), 'b': lambda: calls.append('b')}, rounds=2)
    assert calls == ['a', 'b'] * 3  # one untimed warm-up round, then two timed
    assert len(times['a']) == len(times['b']) == 2
    value = ratio({'a': [2.0, 3.0, 8.0], 'b': [1.0, 1.0, 2.0]}, 'a', 'b')
    assert value == dict(median=3.0, min=2.0, max=4.0, rounds=3)


class OneConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.data_preprocessor = MultiTaskDataPreprocessor()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, inputs):
        return self.conv(inputs)


def test_forward_flops_are_two_per_multiply_add():
    batch = {'img': torch.zeros(2, 3, 8, 8), 'meta': [{}, {}]}
    # 2 images × 64 output pixels × 8 output channels × (3 × 3 × 3) multiply-adds, × 2
    assert efficiency.forward_flops(OneConv(), batch) == 2 * 2 * 64 * 8 * 27


def test_operators_are_grouped_by_kind():
    kinds = {name: efficiency.op_kind(name) for name in (
        'aten::mkldnn_convolution', 'aten::upsample_bilinear2d_backward', 'aten::copy_',
        'aten::nll_loss2d_forward', 'aten::native_batch_norm', 'aten::relu_', 'aten::empty')}
    assert kinds == {'aten::mkldnn_convolution': 'convs',
                     'aten::upsample_bilinear2d_backward': 'up-sampling', 'aten::copy_': 'copies',
                     'aten::nll_loss2d_forward': 'losses', 'aten::native_batch_norm': 'norms',
                     'aten::relu_': 'activations', 'aten::empty': 'other'}


def test_overhead_mode_steps_all_candidates_and_merges_optimizer_groups():
    args = argparse.Namespace(config=TINY, cfg_options=None, rounds=1, iters=1, batches=1,
                              batch_size=2)
    result = overhead.run(args)
    for key in ('train_step_over_plain', 'runner_over_plain', 'per_param_over_merged'):
        assert result[key]['rounds'] == 1 and result[key]['median'] > 0
    groups = result['optimizer_groups']
    assert groups['train_step'] == 2  # decay / no decay, merged from one per parameter
    assert groups['per_param'] > 50


def test_data_mode_prints_data_over_train_throughput():
    args = argparse.Namespace(config=TINY, cfg_options=None, rounds=1, iters=1, batches=2,
                              batch_size=2, workers=0)
    result = data.run(args)
    ratio = result['data_over_train']
    assert ratio['rounds'] == 1 and result['workers'] == 0
    assert ratio['median'] == pytest.approx(result['data_samples_per_s'][0]
                                            / result['train_samples_per_s'][0])


def test_combiners_mode_compares_each_combiner_with_the_first():
    args = argparse.Namespace(config=TINY, cfg_options=None, rounds=1, iters=1, batch_size=2,
                              device='cpu', combiners=['FixedWeighting', 'PCGrad'])
    result = combiners.run(args)['results']
    assert result['FixedWeighting']['time_ratio']['median'] == 1.0
    assert result['PCGrad']['time_ratio']['median'] > 0 and result['PCGrad']['ms_per_iter'] > 0
    assert combiners.combiner_cfg('CAGrad:c=0.4') == dict(type='CAGrad', c=0.4)


def test_evaluation_mode_times_the_config_metrics():
    args = argparse.Namespace(config=TINY, cfg_options=None, images=2, batch_size=2, size=(32, 48))
    result = evaluation.run(args)
    assert result['images'] == 2 and result['forward_s'] > 0 and result['metrics_s'] > 0
    assert result['forward_cpu_s'] > 0 and result['evaluation_over_forward_cpu'] > 0
    assert 'depth/abs_rel' in result['metrics'] and 'seg/miou' in result['metrics']


def test_label_count_users_get_the_counts_of_the_benchmark_batch():
    class Weighted(UsesLabelCounts):
        counts = None

        def label_counts_key(self):
            return 'seg'

        def set_label_counts(self, counts):
            self.counts = counts

    class Model:
        def __init__(self):
            self.loss = Weighted()

        def modules_implementing(self, contract):
            return [('loss', self.loss)] if isinstance(self.loss, contract) else []
    model = Model()
    give_label_counts(model, {'seg': [torch.tensor([[0, 2], [2, 255]]), torch.tensor([[2, 0]])]})
    assert model.loss.counts.tolist() == [2, 0, 3]  # the ignore index is left out


def test_inference_mode_times_the_api_pytorch_and_onnxruntime(capsys):
    args = argparse.Namespace(config=TINY, checkpoint=None, cfg_options=None, size=(32, 48),
                              rounds=1, iters=1)
    result = inference.run(args)
    assert set(result['median_images_per_s']) == {'inference_model', 'pytorch', 'onnxruntime'}
    assert all(rate > 0 for rate in result['median_images_per_s'].values())
    assert result['outputs'] == ['depth', 'seg'] and result['max_abs_difference'] < 1e-3
    printed = capsys.readouterr().out
    assert 'speed onnxruntime / pytorch' in printed and 'onnxruntime ' in printed


def test_performance_flags_set_the_config_keys():
    cfg = Config(dict(model=dict(type='MultiTaskModel'), optim_wrapper=dict(type='OptimWrapper'),
                      train_dataloader=dict(batch_size=2), custom_hooks=[]))
    args = argparse.Namespace(amp='bf16', channels_last=True, compile=True, cudnn_benchmark=True,
                              pin_memory=True)
    apply_performance_options(cfg, args)
    device_type = 'cuda' if torch.cuda.is_available() else 'cpu'
    assert cfg.optim_wrapper.type == amp_wrapper_cfg('bf16', device_type)['type']
    assert cfg.model.data_preprocessor.channels_last and cfg.model.data_preprocessor.non_blocking
    assert cfg.custom_hooks[-1].type == 'ChannelsLastHook'
    assert cfg.compile is True and cfg.env_cfg.cudnn_benchmark is True
    assert cfg.train_dataloader.pin_memory is True


def test_amp_dtypes():
    assert amp_wrapper_cfg('bf16', 'cuda') == dict(type='AmpOptimWrapper', dtype='bfloat16')
    assert amp_wrapper_cfg('fp16', 'cuda') == dict(type='AmpOptimWrapper', dtype='float16',
                                                   loss_scale='dynamic')
    assert amp_wrapper_cfg('auto', 'cpu') == dict(type='CPUAutocastOptimWrapper')
    with pytest.raises(ValueError, match='fp16 autocast needs CUDA'):
        amp_wrapper_cfg('fp16', 'cpu')


def test_channels_last_hook_converts_the_weights():
    model = OneConv()
    ChannelsLastHook().before_run(argparse.Namespace(model=model))
    assert model.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not model.conv.weight.is_contiguous()


def test_compile_wraps_the_train_step_and_computes_the_same():
    class Trivial(nn.Module):
        def train_step(self, x):
            return torch.relu(x) * 2

    model, x = Trivial(), torch.randn(5)
    compile_train_step(model, dict(backend='eager'))
    assert 'train_step' in vars(model)  # the instance's compiled function replaces the method
    assert torch.equal(model.train_step(x), torch.relu(x) * 2)


def test_train_with_the_gpu_switches_runs_on_cpu(tmp_path):
    subprocess.run([sys.executable, 'tools/train.py', TINY, '--work-dir', str(tmp_path), '--no-test',
                    '--amp', 'bf16', '--channels-last', '--cudnn-benchmark', '--pin-memory',
                    '--cfg-options', 'train_cfg.max_iters=2'], cwd=ROOT, check=True,
                   capture_output=True)


def test_gpu_report_dry_run_writes_the_table(tmp_path):
    out = tmp_path / 'report.md'
    subprocess.run([sys.executable, 'tools/gpu_report.py', '--dry-run', '--configs', TINY,
                    '--cfg-options', 'train_dataloader.batch_size=1', '--out', str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    rows = [line for line in out.read_text().splitlines() if line.startswith(f'| {TINY}')]
    assert [row.split(' | ')[1] for row in rows] == [
        'fp32', 'bf16', 'bf16 + channels_last', 'bf16 + channels_last + compile']
    assert 'DRY RUN' in out.read_text()
