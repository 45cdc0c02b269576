"""docs/tutorial.md runs as written: its files are written where it says, its commands run
in order from a fresh folder outside the checkout, and the trained model is tested with
panels written."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / 'docs' / 'tutorial.md'
QUICK = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2']


def blocks():
    """(file name or None, language, code) for every fenced block, in order."""
    pattern = r'(?:<!-- file: (\S+) -->\n)?```(\w+)\n(.*?)```'
    return [(m.group(1), m.group(2), m.group(3)) for m in re.finditer(pattern, TUTORIAL.read_text(), re.S)]


def test_tutorial_runs_end_to_end(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    ran = []
    for name, language, code in blocks():
        if name:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(code)
            continue
        assert language == 'bash', f'unnamed {language} block in the tutorial'
        script = re.sub(r'(^|\$\(|\s)python ', lambda m: f'{m.group(1)}{sys.executable} ', code,
                        flags=re.M)
        script = script.replace('PYTHONPATH=. mtl ', f'{sys.executable} -m mtl ')
        if ' -m mtl train' in script:
            script = script.replace('--work-dir work_dirs/rooms', '--work-dir work_dirs/rooms '
                                    '--cfg-options ' + ' '.join(QUICK))
            script = script.replace('iter_20.pth', 'iter_2.pth')
        result = subprocess.run(['bash', '-e', '-c', script], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f'{script}\n{result.stderr[-3000:]}'
        ran.append(result.stdout + result.stderr)
    log = '\n'.join(ran)
    assert 'loss_depth.rel' in log and 'depth.rel' in log
    panels = sorted((tmp_path / 'work_dirs' / 'rooms' / 'show').glob('*_panel.png'))
    assert [p.name for p in panels] == [f'{i:04d}_panel.png' for i in range(8)]
