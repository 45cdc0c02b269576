"""Analytic ray casting and shading of SynthRooms scenes (pinhole camera, numpy, no shadows).

Each pixel casts one ray through its centre. The ray direction is scaled so that its
camera-z component is 1, hence the ray parameter at a hit *is* the metric z-depth. The
room is intersected from inside (nearest exit plane); every other primitive is
intersected only over the pixels of its projected bounding box (a per-primitive
z-buffer), with the slab test for boxes and closed forms for vertical cylinders and
spheres, so the cost follows the image area each object covers.

Shading: per-class procedural texture × per-instance colour, Lambertian point light with
the falloff ``1 / (1 + (dist / range)²)``, hemispheric ambient, emissive windows and lamp
shades, per-scene exposure and uniform sensor noise. The light's position, colour and
reach, the ambient level, the colours and the exposure change from scene to scene, so
brightness is not a fixed function of depth (pooled correlation about 0.1–0.25).
"""
from functools import lru_cache
from typing import Dict, Tuple

import numpy as np

from mtl.datasets.synthrooms.scene import Scene

MIN_DEPTH, MAX_DEPTH = 0.1, 10.0
FOCAL_PER_WIDTH = 0.81  # NYU Depth v2: 518.9 px / 640 px
_TINY = 1e-12


def intrinsics(img_size: Tuple[int, int]) -> np.ndarray:
    """3×3 pinhole matrix with NYU's field of view (fx = fy = 0.81 W, centred)."""
    height, width = img_size
    f = FOCAL_PER_WIDTH * width
    return np.array([[f, 0.0, width / 2], [0.0, f, height / 2], [0.0, 0.0, 1.0]])


def camera_rotation(yaw: float, pitch: float) -> np.ndarray:
    """Camera-to-world rotation; columns are the camera's right, down, forward (y up world)."""
    forward = np.array([np.sin(yaw) * np.cos(pitch), np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
    right = np.array([-np.cos(yaw), 0.0, np.sin(yaw)])
    return np.stack([right, np.cross(forward, right), forward], axis=1)


@lru_cache(maxsize=8)
def _camera_rays(img_size: Tuple[int, int]) -> np.ndarray:
    """(3, H, W) camera-frame directions through pixel centres, with z = 1."""
    K = intrinsics(img_size)
    v, u = np.mgrid[0:img_size[0], 0:img_size[1]] + 0.5
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)])
    rays.flags.writeable = False
    return rays


def _safe(dirs: np.ndarray) -> np.ndarray:
    return np.where(dirs == 0, _TINY, dirs)


def _first_equal(values: np.ndarray, extreme: np.ndarray) -> np.ndarray:
    """Index along axis 0 (of 3) of the first entry equal to ``extreme`` (a fast arg-max/min)."""
    return np.where(values[0] == extreme, 0, np.where(values[1] == extreme, 1, 2))


def ray_box(origin: np.ndarray, dirs: np.ndarray, half: np.ndarray):
    """Slab test against the box ``|x| <= half`` (local frame), rays from outside.

    origin (3,), dirs (3, ...). Returns the entry parameter t (inf where missed) and
    the index of the axis whose face is hit.
    """
    shape = (3,) + (1,) * (dirs.ndim - 1)
    inv = 1.0 / _safe(dirs)
    t1 = (-half.reshape(shape) - origin.reshape(shape)) * inv
    t2 = (half.reshape(shape) - origin.reshape(shape)) * inv
    near, far = np.minimum(t1, t2), np.maximum(t1, t2)
    t_near = np.maximum(np.maximum(near[0], near[1]), near[2])
    t_far = np.minimum(np.minimum(far[0], far[1]), far[2])
    hit = (t_near <= t_far) & (t_near > 0)
    return np.where(hit, t_near, np.inf), _first_equal(near, t_near)


def ray_sphere(origin: np.ndarray, dirs: np.ndarray, radius: float):
    """Nearest hit with the sphere of ``radius`` at the local origin (inf where missed)."""
    a = np.einsum('i...,i...->...', dirs, dirs)
    b = np.tensordot(origin, dirs, 1)
    disc = b * b - a * (origin @ origin - radius ** 2)
    t = (-b - np.sqrt(np.maximum(disc, 0))) / a
    return np.where((disc > 0) & (t > 0), t, np.inf), np.zeros(t.shape, bool)


def ray_cylinder(origin: np.ndarray, dirs: np.ndarray, radius: float, half_height: float):
    """Nearest hit with the vertical capped cylinder at the local origin.

    Returns t (inf where missed) and whether the side (rather than a cap) was hit.
    """
    dx, dy, dz = dirs
    ox, oy, oz = origin
    a = np.maximum(dx * dx + dz * dz, _TINY)
    b = ox * dx + oz * dz
    disc = b * b - a * (ox * ox + oz * oz - radius ** 2)
    t_side = (-b - np.sqrt(np.maximum(disc, 0))) / a
    side = (disc > 0) & (t_side > 0) & (np.abs(oy + t_side * dy) <= half_height)
    t = np.where(side, t_side, np.inf)
    if abs(oy) > half_height:  # the cap facing the camera
        cap_y = np.copysign(half_height, oy)
        t_cap = (cap_y - oy) / _safe(dy)
        cap = (t_cap > 0) & ((ox + t_cap * dx) ** 2 + (oz + t_cap * dz) ** 2 <= radius ** 2)
        t = np.where(cap & ~side, t_cap, t)
    return t, side


def _face_uv(points: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Texture coordinates on an axis-aligned face: x-faces (z, y), y-faces (x, z),
    z-faces (x, y)."""
    u = np.where(axis == 0, points[2], points[0])
    v = np.where(axis == 1, points[2], points[1])
    return np.stack([u, v])


def _box_surface(origin, dirs, t, axis, half):
    normal = -np.sign(dirs) * (axis == np.arange(3)[:, None])
    return normal, _face_uv(origin[:, None] + t * dirs, axis)


def _sphere_surface(origin, dirs, t, side, half):
    p = origin[:, None] + t * dirs
    return p / half[0], np.stack([half[0] * np.arctan2(p[0], p[2]), p[1]])


def _cylinder_surface(origin, dirs, t, side, half):
    p = origin[:, None] + t * dirs
    radial = np.stack([p[0], np.zeros_like(p[0]), p[2]]) / half[0]
    cap = np.stack([np.zeros_like(t), np.full_like(t, np.sign(origin[1])), np.zeros_like(t)])
    uv = np.where(side, np.stack([half[0] * np.arctan2(p[0], p[2]), p[1]]), p[[0, 2]])
    return np.where(side, radial, cap), uv


_SHAPES = {
    'box': (lambda o, d, h: ray_box(o, d, h), _box_surface),
    'sphere': (lambda o, d, h: ray_sphere(o, d, h[0]), _sphere_surface),
    'cylinder': (lambda o, d, h: ray_cylinder(o, d, h[0], h[1]), _cylinder_surface),
}


def _yaw_rotate(v: np.ndarray, yaw: float) -> np.ndarray:
    """Rotate (3, ...) vectors by ``yaw`` about +y (local → world); -yaw inverts.

    Written into one output array (no stack of temporaries): the same operations in
    the same order, so the values are bit-identical to ``c·x + s·z, y, c·z − s·x``.
    """
    c, s = np.cos(yaw), np.sin(yaw)
    out = np.empty(v.shape)
    x, y, z = out[0, ...], out[1, ...], out[2, ...]
    np.multiply(c, v[0], out=x)
    x += s * v[2]
    y[...] = v[1]
    np.multiply(c, v[2], out=z)
    z -= s * v[0]
    return out


_CORNERS = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, 8)


def _screen_rects(prims, origin, R, K, img_size) -> list:
    """Per primitive, the pixel rows/cols (r0, r1, c0, c1) that may see it (empty if none).

    The 8 corners of each local bounding box are projected; a box partly behind the
    camera gets the whole image.
    """
    height, width = img_size
    half = np.array([p.half for p in prims])[:, :, None] * _CORNERS  # (P, 3, 8)
    yaw = np.array([p.yaw for p in prims])[:, None]
    c, s = np.cos(yaw), np.sin(yaw)
    world = np.stack([c * half[:, 0] + s * half[:, 2], half[:, 1],
                      c * half[:, 2] - s * half[:, 0]], 1)
    world += (np.array([p.center for p in prims]) - origin)[:, :, None]
    cam = np.einsum('ij,pik->pjk', R, world)  # R^T (p - o), (P, 3, 8)
    z = np.maximum(cam[:, 2], 1e-3)
    u = K[0, 0] * cam[:, 0] / z + K[0, 2]
    v = K[1, 1] * cam[:, 1] / z + K[1, 2]
    rects = np.stack([np.floor(v.min(1) - 0.5), np.ceil(v.max(1) - 0.5) + 1,
                      np.floor(u.min(1) - 0.5), np.ceil(u.max(1) - 0.5) + 1], 1)
    rects = np.clip(rects, 0, [height, height, width, width]).astype(int)
    behind = cam[:, 2] <= 1e-3
    rects[behind.any(1)] = (0, height, 0, width)
    rects[behind.all(1)] = 0
    return rects.tolist()


_ROOM_IDS = np.array([2, 0, 4])  # surface id of the low face along x, y, z (+1: high face)


def _cast_room(room: np.ndarray, origin: np.ndarray, dirs: np.ndarray):
    """Exit hits of rays from inside the room: t, surface id 0–5, world normal, uv."""
    safe = _safe(dirs)
    t_axes = np.where(safe > 0, room[:, None, None] - origin[:, None, None], -origin[:, None, None])
    t_axes /= safe
    t = np.minimum(np.minimum(t_axes[0], t_axes[1]), t_axes[2])
    axis = _first_equal(t_axes, t)
    positive = np.where(axis == 0, dirs[0] > 0, np.where(axis == 1, dirs[1] > 0, dirs[2] > 0))
    ids = _ROOM_IDS[axis] + positive
    normal = np.where(axis == np.arange(3)[:, None, None], np.where(positive, -1.0, 1.0), 0.0)
    uv = _face_uv(origin[:, None, None] + t * dirs, axis)
    return t, ids, normal, uv


def cast_rays(scene: Scene, img_size: Tuple[int, int]) -> Dict[str, np.ndarray]:
    """Geometry buffers: ``t`` (H, W) z-depth, ``ids`` primitive index, world ``normal``
    (3, H, W), texture ``uv`` (2, H, W), the world ray directions ``dirs`` and the
    camera-to-world rotation ``R``."""
    R, K = camera_rotation(scene.yaw, scene.pitch), intrinsics(img_size)
    dirs = np.tensordot(R, _camera_rays(tuple(img_size)), 1)
    origin = scene.camera
    t, ids, normal, uv = _cast_room(scene.room, origin, dirs)
    objects = scene.primitives[6:]
    rects = _screen_rects(objects, origin, R, K, img_size) if objects else []
    for pid, (prim, (r0, r1, c0, c1)) in enumerate(zip(objects, rects), start=6):
        if r0 >= r1 or c0 >= c1:
            continue
        rows, cols = slice(r0, r1), slice(c0, c1)
        intersect, surface = _SHAPES[prim.shape]
        local_origin = _yaw_rotate(origin - prim.center, -prim.yaw)
        local_dirs = _yaw_rotate(dirs[:, rows, cols], -prim.yaw)
        t_new, aux = intersect(local_origin, local_dirs, prim.half)
        t_view = t[rows, cols]
        closer = t_new < t_view
        if not closer.any():
            continue
        t_view[closer] = t_new[closer]
        ids[rows, cols][closer] = pid
        n_local, uv_new = surface(local_origin, local_dirs[:, closer], t_new[closer],
                                  aux[closer], prim.half)
        normal[:, rows, cols][:, closer] = _yaw_rotate(n_local, prim.yaw)
        uv[:, rows, cols][:, closer] = uv_new
    return {'t': t, 'ids': ids, 'normal': normal, 'uv': uv, 'dirs': dirs, 'R': R}


def contour_map(ids: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """1 where a 4-neighbour belongs to another primitive, on the nearer side only.

    Each primitive is convex (or the room, seen from inside), so every depth
    discontinuity is also a change of primitive, and every semantic change is one too.
    Marking the nearer pixel of each differing pair gives 1-pixel contours on the
    occluding side, unchanged in position by a horizontal flip.
    """
    out = np.zeros(ids.shape, bool)
    for axis in (0, 1):
        a = [slice(None)] * 2
        b = [slice(None)] * 2
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        differ = ids[tuple(a)] != ids[tuple(b)]
        da, db = depth[tuple(a)], depth[tuple(b)]
        out[tuple(a)] |= differ & (da <= db)
        out[tuple(b)] |= differ & (db <= da)
    return out.astype(np.uint8)


def _frac(x: np.ndarray) -> np.ndarray:
    return x - np.floor(x)


def _hash(a: np.ndarray, b: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Pseudo-random value in [0, 1) per integer cell (a, b)."""
    return _frac(np.sin(a * 12.9898 + b * 78.233 + seed * 3.7719) * 43758.5453)


def _frame(u, v, hu, hv, width: float) -> np.ndarray:
    return (np.abs(u) > hu - width) | (np.abs(v) > hv - width)


def _planks(u, v, hu, hv, seed):
    row = np.floor(u / 0.18)
    col = np.floor((v + _hash(row, 0.0, seed) * 1.2) / 1.2)
    tint = 0.82 + 0.3 * _hash(row, col, seed)
    gap = (_frac(u / 0.18) < 0.05) | (_frac((v + _hash(row, 0.0, seed) * 1.2) / 1.2) < 0.01)
    return np.where(gap, 0.55, tint * (1 + 0.06 * np.sin(v * 37 + 5 * np.sin(u * 9 + seed))))


def _tiles(u, v, hu, hv, seed):
    size = 0.3 + 0.3 * _frac(seed * 0.37)
    grout = (_frac(u / size) < 0.05) | (_frac(v / size) < 0.05)
    return np.where(grout, 1.25, 0.92 + 0.12 * _hash(np.floor(u / size), np.floor(v / size), seed))


def _carpet(u, v, hu, hv, seed):
    return 0.88 + 0.24 * _hash(np.floor(u * 45), np.floor(v * 45), seed)


def _plaster(u, v, hu, hv, seed):
    return 1 + 0.05 * np.sin(u * 2.1 + v * 1.3 + seed) * np.sin(u * 0.7 - v * 2.9 + 2 * seed)


def _window(u, v, hu, hv, seed):
    panes = (np.abs(u) < 0.025) | (np.abs(v - 0.15 * hv) < 0.02)
    glass = 0.8 + 0.2 * (v + hv) / (2 * hv)
    return np.where(_frame(u, v, hu, hv, 0.05) | panes, 0.35, glass)


def _door(u, v, hu, hv, seed):
    panel = _frame(u, v, hu, hv, 0.06) | (np.abs(v - 0.2 * hv) < 0.04)
    return np.where(panel, 0.75, 1 + 0.06 * np.sin(v * 30 + 3 * np.sin(u * 7 + seed)))


def _picture(u, v, hu, hv, seed):
    phases = seed[None] * np.array([1.0, 1.7, 2.3])[:, None]
    art = 0.45 + 0.5 * np.sin(u * (5 + phases) + phases) * np.cos(v * (4 + 0.5 * phases) - phases)
    return np.where(_frame(u, v, hu, hv, 0.04), 0.15, np.abs(art) + 0.1)


def _stripes(u, v, hu, hv, seed):
    return 1 + 0.13 * np.sign(np.sin(u * 2 * np.pi / (0.1 + 0.2 * _frac(seed * 0.31)) + seed))


def _weave(u, v, hu, hv, seed):
    return 1 + 0.08 * np.sin(u * 70) * np.sin(v * 70) - 0.05 * (_frac(u * 4 + v * 4) < 0.5)


def _wood(u, v, hu, hv, seed):
    return 1 + 0.1 * np.sin(u * 28 + 4 * np.sin(v * 3 + seed))


def _panels(u, v, hu, hv, seed):
    drawers = np.maximum(np.round(hv / 0.2), 1)
    lines = (_frac((v + hv) / (2 * hv) * drawers) < 0.04) | (np.abs(u) < 0.01)
    return np.where(lines, 0.6, 1.0)


def _checker(u, v, hu, hv, seed):
    return np.where((np.floor(u * 12) + np.floor(v * 12)) % 2 == 0, 0.82, 1.0)


def _plain(u, v, hu, hv, seed):
    return np.ones_like(u)


TEXTURES = {'plain': _plain, 'emissive': _plain, 'planks': _planks, 'tiles': _tiles,
            'carpet': _carpet, 'plaster': _plaster, 'window': _window, 'door': _door,
            'picture': _picture, 'stripes': _stripes, 'weave': _weave, 'wood': _wood,
            'panels': _panels, 'checker': _checker}
EMISSIVE = ('window', 'emissive')


def _albedo(scene: Scene, ids: np.ndarray, uv: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(3, N) surface colour and (N,) emissive flag for flattened pixels."""
    prims = scene.primitives
    names = sorted({p.texture for p in prims})
    kind_of = np.array([names.index(p.texture) for p in prims], np.uint8)[ids]
    seeds = np.array([p.tex_seed for p in prims])
    halves = np.array([p.half for p in prims])
    # Pixels grouped by texture: a stable sort keeps each group in pixel order.
    order = np.argsort(kind_of, kind='stable')
    bounds = np.searchsorted(kind_of[order], np.arange(len(names) + 1))
    factor = np.ones((ids.size, 3))  # (N, 3); x · 1.0 = x, so untextured pixels keep their colour
    emissive = np.zeros(ids.shape, bool)
    for k, name in enumerate(names):
        m = order[bounds[k]:bounds[k + 1]]
        emissive[m] = name in EMISSIVE
        if name in ('plain', 'emissive') or not len(m):
            continue
        i = ids[m]
        texture = TEXTURES[name](uv[0, m], uv[1, m], halves[i, 0], halves[i, 1], seeds[i])
        factor[m] = texture.T if texture.ndim == 2 else texture[:, None]
    return (np.array([p.color for p in prims])[ids] * factor).T, emissive


def _shade(scene: Scene, points: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """(3, N) irradiance: hemispheric ambient + Lambertian point light with falloff."""
    to_light = scene.light[:, None] - points
    dist = np.sqrt((to_light ** 2).sum(0))
    lambert = np.maximum((normal * to_light).sum(0) / dist, 0)
    direct = lambert / (1 + (dist / scene.light_range) ** 2)
    ambient = scene.ambient * (0.75 + 0.25 * normal[1])
    return ambient + direct * scene.light_color[:, None]


def _noise(seed: int, std: float, shape) -> np.ndarray:
    """Uniform sensor noise of standard deviation ``std`` (random bytes: fast)."""
    raw = np.frombuffer(np.random.default_rng(seed).bytes(int(np.prod(shape))), np.uint8)
    return ((raw.reshape(shape) - 127.5) * (std * np.sqrt(3) / 127.5)).astype(np.float32)


def render_scene(scene: Scene, img_size: Tuple[int, int]) -> Dict[str, np.ndarray]:
    """Image and exact targets (numpy, contract layout; ``ids`` is the primitive map)."""
    height, width = img_size
    g = cast_rays(scene, img_size)
    ids, t = g['ids'].ravel(), g['t'].ravel()
    normal = g['normal'].reshape(3, -1)
    points = scene.camera[:, None] + t * g['dirs'].reshape(3, -1)
    albedo, emissive = _albedo(scene, ids, g['uv'].reshape(2, -1))
    light = np.where(emissive, 1.0, _shade(scene, points, normal))
    rgb = albedo * light * scene.exposure + _noise(scene.noise_seed, scene.noise_std, albedo.shape)
    img = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(3, height, width)
    depth = np.clip(g['t'], MIN_DEPTH, MAX_DEPTH)
    labels = np.array([p.label for p in scene.primitives])
    return {
        'img': img,
        'depth': depth[None].astype(np.float32),
        'seg': labels[g['ids']].astype(np.int64),
        'normals': np.tensordot(g['R'].T, g['normal'], 1).astype(np.float32),
        'contours': contour_map(g['ids'], g['t'])[None],
        'ids': g['ids'],
    }
