"""`python tools/train.py configs/multidepth_kitti.py` trains on KITTI-layout data: tiny files
in the official formats (16-bit depth PNGs, calibration, val_selection intrinsics), the real
config with only its size overridden (backbone, widths, patch size, iterations, data root)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import kitti_fixtures as kf

REPO = Path(__file__).resolve().parents[1]

TINY_OVERRIDES = """
_base_ = ['CONFIG']
data_root = 'ROOT'
train_pipeline = [
    dict(type='RandomCrop', size=(16, 16)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    {{_base_.nlog_target}},
    {{_base_.interval_target}},
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(backbone=dict(model_name='resnet10t'),
             tasks=dict(depth=dict(branch=dict(channels=8)),
                        depth_cls=dict(branch=dict(channels=8))))
train_cfg = dict(max_iters=3, val_interval=3)
default_hooks = dict(logger=dict(interval=1))
visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
"""


def test_train_tool_runs_the_kitti_config_on_kitti_layout_files(tmp_path):
    kf.build_annotated(tmp_path)
    kf.build_val_selection(tmp_path)
    config = tmp_path / 'multidepth_kitti_tiny.py'
    config.write_text(TINY_OVERRIDES.replace('CONFIG', str(REPO / 'configs/multidepth_kitti.py'))
                      .replace('ROOT', str(tmp_path)))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    command = [sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir)]
    run = subprocess.run(command,
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    log = next(work_dir.glob('*/*.log')).read_text()
    # learned task weights are logged each iteration; the auxiliary branch is not evaluated
    assert 'weight.depth.mse' in log and 'weight.depth_cls.ce' in log and 'depth_cls.ce' in log
    metrics = json.loads((work_dir / 'metrics.json').read_text())['metrics']
    assert metrics['depth/num_images'] == 3.0
    assert 0 < metrics['depth/silog'] < 1000 and 'depth_cls/silog' not in metrics
    assert (work_dir / 'iter_3.pth').is_file()
