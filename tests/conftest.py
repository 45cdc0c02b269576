"""Shared fixtures. Tests run on CPU with tiny images and tiny backbones."""
import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get('MTL_SHARED_DATA', REPO_ROOT.parent / 'shared' / 'data'))


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
