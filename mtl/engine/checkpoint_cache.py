"""Downloading checkpoints into a cache, verified before they are kept.

torch.hub's ``load_state_dict_from_url`` (which mmengine uses for ``http(s)://``) unpickles
with ``weights_only=False`` and leaves whatever it downloaded in its cache. Here a download
goes to a temporary name inside our cache folder, is checked against its SHA-256 when one
is known, and is handed to a validator (the safe loader); only a file that passed both is
renamed to its final name. A refused or damaged download is deleted, so nothing unsafe stays
in the cache.

The expected SHA-256 comes from, in this order: the ``sha256`` argument; a ``#sha256=<hex>``
fragment on the URL (pip's convention, usable in any config string such as ``load_from``);
the hash prefix torch.hub puts in file names (``name-<hex prefix>.pth``, e.g.
``resnet50-0676ba61.pth``).
"""
import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Optional, Tuple, TypeVar

T = TypeVar('T')
CACHE_ENV = 'MTL_CHECKPOINT_CACHE'
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})\.')  # torch.hub.HASH_REGEX, with a minimum length
DOWNLOAD_TIMEOUT_S = 60
CHUNK = 1 << 20


def cache_dir() -> Path:
    """``$MTL_CHECKPOINT_CACHE``, else ``~/.cache/mtl/checkpoints``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / '.cache' / 'mtl' / 'checkpoints')


def split_url(url: str, sha256: Optional[str] = None) -> Tuple[str, Optional[str]]:
    """The URL without its fragment, and the expected SHA-256 (full or prefix) or None."""
    base, _, fragment = url.partition('#')
    if fragment:
        key, _, value = fragment.partition('=')
        if key != 'sha256' or not value:
            raise ValueError(f'Checkpoint URL "{url}": the only fragment understood is '
                             f'"#sha256=<hex digest>", got "#{fragment}".')
        sha256 = sha256 or value
    if sha256 is None:
        found = HASH_IN_NAME.search(os.path.basename(urllib.parse.urlparse(base).path))
        sha256 = found.group(1) if found else None
    if sha256 is not None and not re.fullmatch(r'[0-9a-fA-F]{8,64}', sha256):
        raise ValueError(f'Expected SHA-256 "{sha256}" for "{url}" is not 8 to 64 hex digits.')
    return base, sha256.lower() if sha256 else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: Optional[str], source: str) -> None:
    if expected is None:
        return
    actual = file_sha256(path)
    if not actual.startswith(expected):
        raise ValueError(f'Checkpoint "{source}" has SHA-256 {actual}, expected {expected}…: the '
                         f'download is damaged or the file was replaced. Nothing was loaded.')


def download(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, \
                open(dest, 'wb') as out:
            for block in iter(lambda: response.read(CHUNK), b''):
                out.write(block)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, 'reason', error)
        raise ConnectionError(f'Could not download checkpoint "{url}": {reason}. Without network '
                              f'access, download it elsewhere and pass the local path.') from None


def fetch_verified(url: str, validate: Callable[[str], T], sha256: Optional[str] = None
                   ) -> Tuple[Path, T]:
    """Download ``url`` into the cache (or reuse the cached copy), check its SHA-256, run
    ``validate(path)`` on it and return the cached path and the validator's result. A file
    that fails either check is deleted and the error raised."""
    base, expected = split_url(url, sha256)
    name = os.path.basename(urllib.parse.urlparse(base).path) or 'checkpoint.pth'
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    candidate = final
    if not final.is_file():
        handle, temp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.partial', dir=folder)
        os.close(handle)
        candidate = Path(temp)
    try:
        if candidate != final:
            download(base, candidate)
        check_sha256(candidate, expected, url)
        result = validate(str(candidate))
    except BaseException:
        candidate.unlink(missing_ok=True)
        raise
    if candidate != final:
        os.replace(candidate, final)
    return final, result
