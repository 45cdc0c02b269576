"""Reading images, label maps, depth PNGs and ``.npy`` arrays: converted correctly or refused
by name. The one reader of these formats for every dataset package and tool.

No paper; file formats. Depth PNGs store depth in fixed units in a single-channel 16-bit image
(NYU's BTS and prepared layouts: millimetres, 1000 per metre; KITTI: 256 per metre), 0 = no
measurement. Pitfalls this module exists for:

- PIL's ``convert('RGB')`` clips a 16-bit grayscale PNG (mode ``I;16``) to 255, an almost
  white picture; here 16-bit values are scaled to 8 bits (``v * 255 / 65535``).
- OpenCV expands a palette PNG to colours even with ``IMREAD_UNCHANGED``, so a palette
  label map (as many datasets ship them) turns into colours that look like huge class ids;
  here a palette label map is read by its indices.
- Transparent pixels have no defined colour: an image whose alpha is not fully opaque is
  refused; an opaque alpha channel is dropped.
- ``np.load`` refuses pickled object arrays (never unpickled here) with a message that names
  no file; here the error names the file and the fix.
"""
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, UnidentifiedImageError

PathLike = Union[str, Path]
SIXTEEN_BIT = ('I;16', 'I;16B', 'I;16L', 'I')
NPY_MAGIC = b'\x93NUMPY'


def open_image(path: PathLike, what: str) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{what} "{path}" does not exist.')
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f'{what} "{path}" cannot be decoded as an image ({error}): the file is '
                         f'damaged or not an image.') from None
    return image


def opaque(image: Image.Image, path: PathLike) -> Image.Image:
    """``image`` without its alpha channel, which must be fully opaque."""
    rgba = image.convert('RGBA')
    alpha = np.asarray(rgba.getchannel('A'))
    if alpha.min() < 255:
        raise ValueError(f'Image "{path}" has transparent pixels (alpha down to {alpha.min()}), '
                         f'whose colour is undefined. Flatten it onto a background first, e.g. '
                         f'Image.alpha_composite(white, img).convert("RGB").')
    return rgba.convert('RGB')


def read_rgb(path: PathLike) -> np.ndarray:
    """H×W×3 uint8 RGB from 8- or 16-bit, grayscale, palette or colour images."""
    image = open_image(path, 'Image')
    if image.mode in SIXTEEN_BIT:
        gray = np.asarray(image).astype(np.float64)
        peak = 65535.0 if image.mode.startswith('I;16') or gray.max() > 255 else 255.0
        gray = np.clip(np.round(gray * 255.0 / peak), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode == 'F':
        raise ValueError(f'Image "{path}" holds 32-bit floats (mode F), not a photograph: '
                         f'pass an 8- or 16-bit RGB or grayscale image.')
    if 'A' in image.getbands() or 'transparency' in image.info:
        return np.array(opaque(image, path))
    return np.array(image.convert('RGB'))  # a writable copy: datasets hand it to torch


def read_label_map(path: PathLike) -> np.ndarray:
    """H×W class ids from a single-channel PNG (8/16-bit) or a palette PNG (by index)."""
    image = open_image(path, 'Label map')
    if image.mode in ('P', 'L', *SIXTEEN_BIT):
        return np.asarray(image).astype(np.int64)
    raise ValueError(f'Label map "{path}" is a {image.mode} image: labels must be one class id '
                     f'per pixel (a single-channel 8/16-bit PNG, or a palette PNG, read by '
                     f'index), not colours. Convert the colours to ids with the dataset\'s '
                     f'palette first.')


def read_depth_png(path: PathLike, units_per_metre: float, what: str = 'Depth PNG',
                   hint: str = '') -> np.ndarray:
    """Metres (float32 H×W, 0 = no measurement) from a 16-bit PNG of depth in fixed units."""
    image = open_image(path, what)
    raw = np.asarray(image)
    if image.mode not in SIXTEEN_BIT[:3]:
        raise ValueError(f'{path} is not a {what}: expected a single-channel 16-bit image, got '
                         f'{raw.dtype} with shape {raw.shape}.{" " + hint if hint else ""}')
    return raw.astype(np.float32) / units_per_metre


def load_npy(path: PathLike, what: str = 'Array') -> np.ndarray:
    """``np.load`` of a numeric ``.npy`` file; pickled objects are refused, never loaded."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{what} file "{path}" does not exist.')
    with open(path, 'rb') as f:
        magic = f.read(6)
    if magic[:2] == b'PK':
        raise ValueError(f'{what} file "{path}" is an .npz archive, not a single .npy array.')
    if magic != NPY_MAGIC:
        raise ValueError(f'{what} file "{path}" is not a valid .npy file (it starts with '
                         f'{magic!r}, not the NumPy header): write it with np.save.')
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as error:
        if 'allow_pickle' in str(error):
            raise ValueError(f'{what} file "{path}" holds pickled Python objects (an object '
                             f'array), which mtl never unpickles. Save it as a numeric array: '
                             f'np.save(path, np.asarray(values, dtype=np.float32)).') from None
        raise ValueError(f'{what} file "{path}" is damaged or truncated ({error}).') from None
    except (EOFError, OSError) as error:
        raise ValueError(f'{what} file "{path}" is damaged or truncated ({error}).') from None
    return array
