"""Command-line conventions: loss weights reachable from --cfg-options (nested form), the
raw and the weighted value of a loss smoothed alike in the logs, and the tools that run a
trained model all taking CONFIG CHECKPOINT positionally with the same flags."""
import argparse
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.config import Config, DictAction
from mmengine.logging import MessageHub
from mmengine.runner import LogProcessor

from ecosystem_fixtures import tiny_config, tiny_model
from mtl.models.combiners.fixed import FixedWeighting
from mtl.utils.loss_names import flatten_loss_mapping

ROOT = Path(__file__).resolve().parents[1]


def cfg_options(*pairs):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


def test_loss_weight_from_the_command_line():
    cfg = tiny_config('hps_synthrooms.py')
    cfg.merge_from_dict(cfg_options('model.combiner.weights.seg.ce=0.5'))
    assert cfg.model.combiner.weights['seg'] == {'ce': 0.5}  # what mmengine makes of the dots
    model = tiny_model(cfg)
    assert model.combiner.weights == {'depth.berhu': 1.0, 'seg.ce': 0.5}


def test_nested_weights_flatten_and_errors_name_the_key():
    assert flatten_loss_mapping({'depth@1': {'l1': 2}, 'a': {'b': {'c': 3}}, 'x.y': 1}) == {
        'depth@1.l1': 2, 'a.b.c': 3, 'x.y': 1}
    with pytest.raises(KeyError, match=r"\['seg.dice'\]"):
        FixedWeighting(['seg.ce'], weights={'seg': {'dice': 1.0}})
    with pytest.raises(ValueError, match=r'model.combiner.weights\["seg"\] is an empty'):
        FixedWeighting(['seg.ce'], weights={'seg': {}})


def test_raw_and_weighted_losses_are_smoothed_alike():
    cfg = Config.fromfile(str(ROOT / 'configs' / 'hps_synthrooms.py'))
    processor = LogProcessor(**cfg.log_processor)
    hub = MessageHub.get_instance('cli_conventions')
    for value in (1.0, 2.0, 3.0):
        hub.update_scalar('train/seg.ce', value)
        hub.update_scalar('train/loss_seg.ce', 0.5 * value)
        hub.update_scalar('train/weight.seg.ce', 0.5)
        hub.update_scalar('train/lr', value)
    tag = processor._collect_scalars([], SimpleNamespace(message_hub=hub), 'train')
    assert tag['seg.ce'] == 2.0 and tag['loss_seg.ce'] == 1.0  # both window means
    assert tag['lr'] == 3.0  # the learning rate stays the current value


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('tool, extra', [('test', []), ('infer', ['img.png']),
                                         ('export', ['--out', 'm.onnx', '--size', '32', '48']),
                                         ('visualize_attention', [])])
def test_tools_take_config_and_checkpoint_positionally(tool, extra, monkeypatch):
    module = load_tool(tool)
    monkeypatch.setattr(sys, 'argv', [tool, 'c.py', 'w.pth', *extra, '--cfg-options', 'a.b=1'])
    args = module.parse_args()
    assert (args.config, args.checkpoint, args.cfg_options) == ('c.py', 'w.pth', {'a.b': 1})
