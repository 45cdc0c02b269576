"""``python tools/baselines.py ...`` is ``mtl baselines ...``; the tool lives in mtl/tools/baselines.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's mtl
from mtl.tools.baselines import *  # noqa: E402,F401,F403
from mtl.tools.baselines import main  # noqa: E402
from mtl.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
