"""Shared fixtures. Tests run on CPU with tiny images and tiny backbones."""
import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


def _find_shared_data() -> Path:
    """``../shared/data`` beside the checkout (or beside any parent, for worktrees)."""
    if os.environ.get('MTL_SHARED_DATA'):
        return Path(os.environ['MTL_SHARED_DATA'])
    for parent in REPO_ROOT.parents:
        if (parent / 'shared' / 'data').is_dir():
            return parent / 'shared' / 'data'
    return REPO_ROOT.parent / 'shared' / 'data'


SHARED_DATA = _find_shared_data()


@pytest.fixture(autouse=True)
def _deterministic():
    torch.manual_seed(0)
    yield


@pytest.fixture
def shared_data() -> Path:
    """The real small files from the datasets' releases (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f'real dataset files not found at {SHARED_DATA}; set MTL_SHARED_DATA')
    return SHARED_DATA
