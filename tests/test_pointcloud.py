"""Point clouds: the pinhole back-projection by hand, invalid pixels dropped, and the PLY
read back with plyfile has the right count, coordinates and colours; the infer CLI writes
one from the intrinsics given on the command line."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import plyfile
import pytest

from mtl.visualization.pointcloud import depth_to_ply, depth_to_points, intrinsics_matrix

ROOT = Path(__file__).resolve().parents[1]


def test_back_projection_by_hand():
    depth = np.array([[2.0, 0.0], [4.0, np.nan]])
    k = intrinsics_matrix(fx=2.0, fy=4.0, cx=0.5, cy=0.5)
    points, colours = depth_to_points(depth, k)
    # (u, v) = (0, 0), z = 2: X = (0 - .5)·2/2, Y = (0 - .5)·2/4; (0, 1), z = 4: Y = (1 - .5)·4/4
    np.testing.assert_allclose(points, [[-0.5, -0.25, 2.0], [-1.0, 0.5, 4.0]])
    assert (colours == 128).all()


def test_ply_reads_back_with_count_and_colours(tmp_path):
    rng = np.random.default_rng(0)
    depth = rng.uniform(0.5, 5, (6, 8)).astype(np.float32)
    depth[0, :3] = 0  # invalid
    image = rng.integers(0, 255, (6, 8, 3), np.uint8)
    count = depth_to_ply(tmp_path / 'cloud.ply', depth, intrinsics_matrix(5, 5, 3.5, 2.5), image)
    vertex = plyfile.PlyData.read(str(tmp_path / 'cloud.ply'))['vertex']
    assert count == len(vertex) == 45
    colours = np.stack([vertex['red'], vertex['green'], vertex['blue']], 1)
    np.testing.assert_array_equal(colours, image[depth > 0])
    np.testing.assert_allclose(vertex['z'], depth[depth > 0])


def test_bad_intrinsics_are_refused():
    with pytest.raises(ValueError, match='3×3 pinhole'):
        depth_to_points(np.ones((2, 2)), np.eye(2))


def test_infer_cli_writes_panels_arrays_and_point_clouds(tmp_path):
    from PIL import Image

    from ecosystem_fixtures import synthrooms_meta, tiny_config, tiny_model, write_checkpoint
    cfg = tiny_config('hps_synthrooms.py')
    ckpt = write_checkpoint(cfg, tiny_model(cfg), tmp_path / 'm.pth', synthrooms_meta(13))
    cfg.dump(str(tmp_path / 'cfg.py'))
    (tmp_path / 'imgs').mkdir()
    rgb = np.random.default_rng(0).integers(0, 255, (30, 40, 3), np.uint8)
    for name in ('a.png', 'b.jpg'):
        Image.fromarray(rgb).save(tmp_path / 'imgs' / name)
    Image.fromarray(rgb).save(tmp_path / 'c.png')
    result = subprocess.run(
        [sys.executable, 'tools/infer.py', str(tmp_path / 'cfg.py'), str(ckpt), str(tmp_path / 'imgs'),
         str(tmp_path / '*.png'), '--out-dir', str(tmp_path / 'out'), '--save-npy', '--ply',
         '--intrinsics', '30', '30', '19.5', '14.5', '--cfg-options', 'model.test_cfg.flip=False'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / 'out'
    assert sorted(p.name for p in out.glob('*_panel.png')) == ['a_panel.png', 'b_panel.png', 'c_panel.png']
    depth = np.load(out / 'a_depth.npy')
    vertex = plyfile.PlyData.read(str(out / 'a_depth.ply'))['vertex']
    assert len(vertex) == np.count_nonzero(depth > 0) == 30 * 40
    assert 'infer' in result.stderr  # the progress bar
