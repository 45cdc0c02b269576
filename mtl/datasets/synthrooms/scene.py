"""Procedural indoor scenes for SynthRooms: a box room, wall fixtures, furniture, props, light.

World frame: metres, y up, the room spans ``[0, W] × [0, H] × [0, D]`` (x, y, z). Every
object is a *primitive* (box, vertical cylinder or sphere) described in its own local
frame, rotated about the vertical axis by ``yaw``; a furniture piece is a few primitives
(a table is a top and four legs). Wall fixtures (windows, doors, pictures) are thin boxes
standing 2–3 cm proud of a wall. The six room surfaces are primitives 0–5 (floor,
ceiling, walls x=0, x=W, z=0, z=D); the renderer intersects them analytically.

Classes follow NYU Depth v2 names; the 4 super-classes follow Gupta et al.'s
``mapToNYUSuperClass`` (picture, lamp and pillow are props).
"""
import colorsys
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

CLASSES = ('floor', 'wall', 'ceiling', 'window', 'door', 'picture', 'bed', 'table',
           'cabinet', 'sofa', 'chair', 'lamp', 'prop')
SUPER_CLASSES = ('floor', 'structure', 'furniture', 'prop')
SUPER_CLASS_OF = (0, 1, 1, 1, 1, 3, 2, 2, 2, 2, 2, 3, 3)
(FLOOR, WALL, CEILING, WINDOW, DOOR, PICTURE, BED, TABLE, CABINET, SOFA, CHAIR, LAMP,
 PROP) = range(len(CLASSES))

# Wall index (primitive id - 2): yaw that turns local +z into the room, and whether the
# wall runs along x (True) or along z.
_WALLS = ((np.pi / 2, False), (-np.pi / 2, False), (0.0, True), (np.pi, True))


@dataclass
class Primitive:
    """One analytic surface: ``half`` is the half extent of its local bounding box
    (box: half sizes; cylinder: (r, half height, r); sphere: (r, r, r))."""
    shape: str
    center: np.ndarray
    half: np.ndarray
    label: int
    color: np.ndarray
    texture: str
    yaw: float = 0.0
    tex_seed: float = 0.0


@dataclass
class Scene:
    """A room, its contents, the camera pose and the lighting of one sample."""
    room: np.ndarray  # (W, H, D)
    camera: np.ndarray  # (3,) position
    yaw: float  # camera heading about +y, 0 looks along +z
    pitch: float  # positive looks up
    primitives: List[Primitive] = field(default_factory=list)
    light: np.ndarray = field(default_factory=lambda: np.array([1.0, 2.4, 2.0]))
    light_color: np.ndarray = field(default_factory=lambda: np.ones(3))
    light_range: float = 3.0  # distance at which the point light falls to half
    ambient: float = 0.3
    exposure: float = 1.0
    noise_std: float = 0.01
    noise_seed: int = 0


def _hsv(rng: np.random.Generator, h: Sequence[float], s: Sequence[float], v: Sequence[float]):
    return np.array(colorsys.hsv_to_rgb(rng.uniform(*h) % 1.0, rng.uniform(*s), rng.uniform(*v)))


def _wood(rng: np.random.Generator) -> np.ndarray:
    return _hsv(rng, (0.04, 0.11), (0.35, 0.75), (0.25, 0.65))


def _painted(rng: np.random.Generator) -> np.ndarray:
    return _hsv(rng, (0, 1), (0.0, 0.2), (0.55, 0.95))


def _palette(rng: np.random.Generator) -> dict:
    """Per-scene base colour and texture of each class (instances jitter around it)."""
    floors = [(_wood(rng), 'planks'), (_hsv(rng, (0, 1), (0, 0.15), (0.5, 0.85)), 'tiles'),
              (_hsv(rng, (0, 1), (0.1, 0.45), (0.25, 0.6)), 'carpet')]
    dark = _hsv(rng, (0, 1), (0, 0.3), (0.1, 0.35))
    return {
        FLOOR: floors[rng.integers(3)],
        WALL: (_hsv(rng, (0, 1), (0.03, 0.3), (0.6, 0.92)), 'plaster'),
        CEILING: (_hsv(rng, (0, 1), (0, 0.05), (0.82, 0.97)), 'plaster'),
        WINDOW: (_hsv(rng, (0.52, 0.62), (0.1, 0.35), (0.88, 1.0)), 'window'),
        DOOR: (_wood(rng) if rng.random() < 0.6 else _painted(rng), 'door'),
        PICTURE: (_hsv(rng, (0, 1), (0.3, 0.8), (0.5, 0.9)), 'picture'),
        BED: (_hsv(rng, (0, 1), (0.2, 0.65), (0.45, 0.9)), 'stripes'),
        TABLE: (_wood(rng), 'wood'),
        CABINET: (_wood(rng) if rng.random() < 0.5 else _painted(rng), 'panels'),
        SOFA: (_hsv(rng, (0, 1), (0.25, 0.75), (0.25, 0.7)), 'weave'),
        CHAIR: (_wood(rng), 'wood') if rng.random() < 0.6 else (dark, 'plain'),
        LAMP: (_hsv(rng, (0.08, 0.15), (0.1, 0.35), (0.95, 1.0)), 'emissive'),
    }


def _overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two (x0, z0, x1, z1) rectangles overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Builder:
    """Collects primitives while a scene is sampled; checks floor-plan collisions."""

    def __init__(self, rng: np.random.Generator, room: np.ndarray, camera: np.ndarray):
        self.rng, self.room, self.palette = rng, room, _palette(rng)
        self.primitives: List[Primitive] = []
        # occupied floor rectangles (x0, z0, x1, z1); the camera keeps a clear zone
        self.floor = [(camera[0] - 0.6, camera[2] - 0.6, camera[0] + 0.6, camera[2] + 0.6)]
        self.wall_spans: List[List[Tuple[float, float]]] = [[], [], [], []]
        self.supports: List[Tuple[np.ndarray, float, np.ndarray]] = []  # centre, yaw, half xz

    def color(self, label: int) -> np.ndarray:
        """The scene's colour of the class, jittered per instance."""
        base = self.palette[label][0]
        return np.clip(base * (1 + 0.08 * self.rng.standard_normal(3)), 0.02, 1.0)

    def add(self, shape: str, center, half, label: int, yaw: float = 0.0,
            color: Optional[np.ndarray] = None, texture: Optional[str] = None) -> None:
        self.primitives.append(Primitive(
            shape, np.asarray(center, float), np.asarray(half, float), label,
            self.color(label) if color is None else color,
            self.palette[label][1] if texture is None else texture, yaw,
            float(self.rng.uniform(0, 100))))

    def add_parts(self, parts, origin: np.ndarray, yaw: float, label: int) -> None:
        """Parts are (shape, local centre, half, label or None, colour or None, texture or None)."""
        c, s = np.cos(yaw), np.sin(yaw)
        color = self.color(label)
        for shape, local, half, part_label, part_color, texture in parts:
            x, y, z = local
            center = (origin[0] + c * x + s * z, y, origin[2] - s * x + c * z)
            lab = label if part_label is None else part_label
            col = part_color if part_color is not None else (color if lab == label else None)
            self.add(shape, center, half, lab, yaw, col, texture)

    def claim(self, center: np.ndarray, half_xz: Sequence[float], yaw: float,
              ignore: Optional[int] = None) -> bool:
        """Reserve the footprint if it is inside the room and overlaps nothing (but the
        footprint number ``ignore``: a chair may slide under its table)."""
        c, s = abs(np.cos(yaw)), abs(np.sin(yaw))
        hx, hz = c * half_xz[0] + s * half_xz[1], s * half_xz[0] + c * half_xz[1]
        box = (center[0] - hx, center[2] - hz, center[0] + hx, center[2] + hz)
        if box[0] < 0 or box[1] < 0 or box[2] > self.room[0] or box[3] > self.room[2]:
            return False
        if any(i != ignore and _overlap(box, other) for i, other in enumerate(self.floor)):
            return False
        self.floor.append(box)
        return True

    def wall_point(self, wall: int, along: float, offset: float) -> Tuple[np.ndarray, float]:
        """World xz position (as a 3-vector, y=0) ``offset`` into the room, and the yaw."""
        yaw, along_x = _WALLS[wall]
        W, _, D = self.room
        x = along if along_x else (offset if wall == 0 else W - offset)
        z = (offset if wall == 2 else D - offset) if along_x else along
        return np.array([x, 0.0, z]), yaw

    def wall_length(self, wall: int) -> float:
        return float(self.room[0] if _WALLS[wall][1] else self.room[2])

    def claim_wall(self, wall: int, width: float) -> Optional[float]:
        """A free position along the wall for a fixture of this width, or None."""
        length = self.wall_length(wall)
        if width > length - 0.4:
            return None
        along = self.rng.uniform(0.2 + width / 2, length - 0.2 - width / 2)
        span = (along - width / 2 - 0.1, along + width / 2 + 0.1)
        if any(span[0] < b and a < span[1] for a, b in self.wall_spans[wall]):
            return None
        self.wall_spans[wall].append(span)
        return along


def _visible_wall(rng: np.random.Generator) -> int:
    """The far wall or a side wall (the wall z=0 is behind the camera)."""
    return int(rng.choice([0, 1, 3, 3]))


def _add_fixtures(b: _Builder) -> None:
    """Windows, a door and pictures as thin boxes on the walls."""
    rng, height = b.rng, b.room[1]
    kinds = ([WINDOW] * rng.integers(0, 3) + [DOOR] * int(rng.random() < 0.6)
             + [PICTURE] * rng.integers(0, 3))
    for label in kinds:
        wall = _visible_wall(rng)
        if label == WINDOW:
            w, h = rng.uniform(0.7, 2.0), rng.uniform(0.9, min(1.6, height - 1.2))
            y, depth = rng.uniform(0.7, 1.0) + h / 2, 0.03
        elif label == DOOR:
            w, h, depth = rng.uniform(0.8, 1.0), rng.uniform(1.95, 2.1), 0.03
            y = h / 2
        else:
            w, h, depth = rng.uniform(0.3, 1.0), rng.uniform(0.3, 0.8), 0.02
            y = rng.uniform(1.3, 1.7)
        along = b.claim_wall(wall, w)
        if along is None:
            continue
        pos, yaw = b.wall_point(wall, along, depth / 2)
        if label == DOOR:  # keep the swing area free of furniture
            clear, _ = b.wall_point(wall, along, 0.45)
            b.claim(clear, (w / 2, 0.45), yaw)
        b.add('box', (pos[0], y, pos[2]), (w / 2, h / 2, depth / 2), label, yaw)


def _legs(w: float, d: float, h: float, r: float, inset: float) -> list:
    return [('box', (sx * (w / 2 - inset), h / 2, sz * (d / 2 - inset)), (r, h / 2, r),
             None, None, None) for sx in (-1, 1) for sz in (-1, 1)]


def _bed(rng):
    w, d, h = rng.uniform(1.2, 1.9), rng.uniform(1.9, 2.15), rng.uniform(0.45, 0.6)
    hb = rng.uniform(0.85, 1.2)
    pillow = np.array([0.95, 0.95, 0.93]) * rng.uniform(0.8, 1.0)
    parts = [('box', (0, h / 2, 0.03), (w / 2, h / 2, d / 2 - 0.03), None, None, None),
             ('box', (0, hb / 2, -d / 2 + 0.03), (w / 2, hb / 2, 0.03), None, None, 'wood')]
    parts += [('box', (sx * w / 4, h + 0.06, -d / 2 + 0.3), (w / 4 - 0.04, 0.06, 0.18),
               PROP, pillow, 'weave') for sx in ((-1, 1) if w > 1.35 else (0,))]
    return parts, (w / 2, d / 2), h, (w / 2 - 0.1, d / 2 - 0.6)


def _table(rng):
    w, d, h = rng.uniform(0.8, 1.6), rng.uniform(0.6, 1.0), rng.uniform(0.7, 0.78)
    parts = [('box', (0, h - 0.02, 0), (w / 2, 0.02, d / 2), None, None, None)]
    parts += _legs(w, d, h - 0.04, 0.025, 0.06)
    return parts, (w / 2, d / 2), h, (w / 2 - 0.08, d / 2 - 0.08)


def _cabinet(rng):
    w, d, h = rng.uniform(0.5, 1.4), rng.uniform(0.35, 0.6), rng.uniform(0.7, 2.0)
    top = (w / 2 - 0.05, d / 2 - 0.05) if h < 1.3 else None
    return [('box', (0, h / 2, 0), (w / 2, h / 2, d / 2), None, None, None)], (w / 2, d / 2), h, top


def _sofa(rng):
    w, d = rng.uniform(1.5, 2.4), rng.uniform(0.8, 0.95)
    seat, back = rng.uniform(0.4, 0.46), rng.uniform(0.75, 0.9)
    parts = [('box', (0, seat / 2, 0.1), (w / 2 - 0.15, seat / 2, d / 2 - 0.1), None, None, None),
             ('box', (0, back / 2, -d / 2 + 0.1), (w / 2, back / 2, 0.1), None, None, None)]
    parts += [('box', (sx * (w / 2 - 0.075), 0.3, 0.0), (0.075, 0.3, d / 2), None, None, None)
              for sx in (-1, 1)]
    return parts, (w / 2, d / 2), seat, None


def _chair(rng):
    s, h, back = rng.uniform(0.4, 0.5), rng.uniform(0.43, 0.48), rng.uniform(0.4, 0.5)
    parts = [('box', (0, h - 0.02, 0), (s / 2, 0.02, s / 2), None, None, None),
             ('box', (0, h + back / 2, -s / 2 + 0.02), (s / 2, back / 2, 0.02), None, None, None)]
    return parts + _legs(s, s, h - 0.04, 0.018, 0.03), (s / 2, s / 2), h, None


def _lamp(rng, floor_standing: bool):
    pole = rng.uniform(1.3, 1.65) if floor_standing else rng.uniform(0.25, 0.4)
    r, hh = rng.uniform(0.12, 0.22), rng.uniform(0.1, 0.15)
    metal = np.full(3, rng.uniform(0.1, 0.5))
    parts = [('cylinder', (0, 0.015, 0), (0.12, 0.015, 0.12), None, metal, 'plain'),
             ('cylinder', (0, pole / 2, 0), (0.015, pole / 2, 0.015), None, metal, 'plain'),
             ('cylinder', (0, pole + hh * 0.5, 0), (r, hh, r), None, None, None)]
    return parts, (r, r), pole + hh * 0.5


# label, sampler, how many (min, max), back to a wall?
_FURNITURE: Tuple[Tuple[int, Callable, Tuple[int, int], bool], ...] = (
    (BED, _bed, (0, 1), True), (SOFA, _sofa, (0, 1), True), (CABINET, _cabinet, (0, 3), True),
    (TABLE, _table, (0, 2), False), (CHAIR, _chair, (0, 2), False))


def _footprint_pose(b: _Builder, half, against_wall: bool):
    """A random floor position and yaw: back to a visible wall, or free-standing."""
    rng = b.rng
    if against_wall:
        wall = _visible_wall(rng)
        length = b.wall_length(wall)
        if 2 * half[0] + 0.2 > length:
            return None
        return b.wall_point(wall, rng.uniform(half[0] + 0.1, length - half[0] - 0.1),
                            half[1] + 0.01)
    origin = np.array([rng.uniform(0, b.room[0]), 0.0, rng.uniform(0, b.room[2])])
    yaw = rng.choice([0.0, np.pi / 2]) if rng.random() < 0.5 else rng.uniform(-np.pi, np.pi)
    return origin, yaw


def _place(b: _Builder, label: int, sampler: Callable, against_wall: bool,
           attempts: int = 4) -> None:
    """Sample one piece and try a few positions until its footprint is free."""
    parts, half, height, top = sampler(b.rng)
    for _ in range(attempts):
        pose = _footprint_pose(b, half, against_wall)
        if pose is not None and b.claim(pose[0], half, pose[1]):
            break
    else:
        return
    origin, yaw = pose
    b.add_parts(parts, origin, yaw, label)
    if top is not None:
        b.supports.append((np.array([origin[0], height, origin[2]]), yaw, np.array(top)))
    if label == TABLE:
        _chairs_around(b, origin, yaw, half)


def _chairs_around(b: _Builder, center: np.ndarray, yaw: float, half) -> None:
    """Up to four chairs facing the table's sides."""
    rng, table = b.rng, len(b.floor) - 1
    for side in rng.permutation(4)[:rng.integers(0, 5)]:
        angle = yaw + side * np.pi / 2
        reach = (half[1] if side % 2 == 0 else half[0]) + 0.3
        origin = center + reach * np.array([np.sin(angle), 0.0, np.cos(angle)])
        parts, chair_half, _, _ = _chair(rng)
        chair_yaw = angle + np.pi  # its front (local +z) faces the table
        if b.claim(origin, chair_half, chair_yaw, ignore=table):
            b.add_parts(parts, origin, chair_yaw, CHAIR)


def _add_props(b: _Builder) -> None:
    """Boxes, cylinders and spheres on the support surfaces or on the floor."""
    rng = b.rng
    for _ in range(rng.integers(3, 11)):
        size = rng.uniform(0.03, 0.16, 3)
        shape = rng.choice(['box', 'box', 'cylinder', 'sphere'])
        half = {'box': size, 'cylinder': (size[0], size[1], size[0]),
                'sphere': (size[0],) * 3}[shape]
        if b.supports and rng.random() < 0.75:
            center, yaw, top = b.supports[rng.integers(len(b.supports))]
            x, z = (rng.uniform(-1, 1, 2) * np.maximum(top - half[0], 0.0))
            c, s = np.cos(yaw), np.sin(yaw)
            pos = center + np.array([c * x + s * z, half[1], -s * x + c * z])
        else:
            half = np.asarray(half) * 1.6
            pos = np.array([rng.uniform(0, b.room[0]), half[1], rng.uniform(0, b.room[2])])
            if not b.claim(pos, (half[0], half[2]), 0.0):
                continue
        color = _hsv(rng, (0, 1), (0.35, 0.9), (0.35, 0.95))
        b.add(shape, pos, half, PROP, rng.uniform(-np.pi, np.pi), color,
              rng.choice(['plain', 'checker']))


def _add_lamp(b: _Builder) -> Optional[np.ndarray]:
    """A floor lamp or a lamp on a support; returns the shade centre (the light) if placed."""
    rng = b.rng
    on_support = bool(b.supports) and rng.random() < 0.5
    parts, half, shade_y = _lamp(rng, floor_standing=not on_support)
    if on_support:
        origin = b.supports[rng.integers(len(b.supports))][0].copy()
    else:
        origin = np.array([rng.uniform(0.3, b.room[0] - 0.3), 0.0,
                           rng.uniform(0.3, b.room[2] - 0.3)])
        if not b.claim(origin, half, 0.0):
            return None
    b.add_parts([(sh, (x, y + origin[1], z), h, lab, col, tex)
                 for sh, (x, y, z), h, lab, col, tex in parts], origin, 0.0, LAMP)
    return np.array([origin[0], origin[1] + shade_y, origin[2]])


def _room_surfaces(b: _Builder) -> List[Primitive]:
    """Primitives 0–5: floor, ceiling and the four walls (one wall colour per room)."""
    wall_color = b.color(WALL)
    labels = (FLOOR, CEILING, WALL, WALL, WALL, WALL)
    seed = float(b.rng.uniform(0, 100))
    return [Primitive('room', np.zeros(3), b.room / 2, lab,
                      wall_color if lab == WALL else b.color(lab), b.palette[lab][1],
                      tex_seed=seed) for lab in labels]


def _sample_camera(rng: np.random.Generator, room: np.ndarray):
    """Near the wall z=0, 1.0–1.6 m high, looking into the room, no roll."""
    W, _, D = room
    cam = np.array([rng.uniform(0.5, W - 0.5), rng.uniform(1.0, 1.6),
                    rng.uniform(0.45, min(1.3, D / 3))])
    target_x = rng.uniform(0.15 * W, 0.85 * W)
    yaw = np.arctan2(target_x - cam[0], D - cam[2]) + rng.normal(0, 0.12)
    pitch = np.deg2rad(np.clip(rng.normal(-12, 8), -30, 8))
    return cam, float(yaw), float(pitch)


def sample_scene(rng: np.random.Generator) -> Scene:
    """A random furnished room; depths are long-tailed (most 1–5 m, some up to ~10 m)."""
    room = np.array([rng.uniform(2.8, 6.5), rng.uniform(2.4, 3.2),
                     min(2.6 + rng.gamma(2.0, 1.1), 9.0)])
    cam, yaw, pitch = _sample_camera(rng, room)
    b = _Builder(rng, room, cam)
    _add_fixtures(b)
    for label, sampler, (lo, hi), against_wall in _FURNITURE:
        for _ in range(rng.integers(lo, hi + 1)):
            _place(b, label, sampler, against_wall)
    light = _add_lamp(b) if rng.random() < 0.5 else None
    _add_props(b)
    if light is None or rng.random() < 0.3:  # a ceiling light
        light = np.array([rng.uniform(0.3, room[0] - 0.3), room[1] - 0.25,
                          rng.uniform(0.3, room[2] - 0.3)])
    warm = rng.uniform(0, 0.25)
    return Scene(room, cam, yaw, pitch, _room_surfaces(b) + b.primitives, light,
                 np.array([1.0, 1.0 - warm / 2, 1.0 - warm]) * rng.uniform(0.8, 1.4),
                 float(rng.uniform(2.0, 5.0)), float(rng.uniform(0.25, 0.55)),
                 float(rng.uniform(0.85, 1.25)),
                 float(rng.uniform(0.005, 0.025)), int(rng.integers(2 ** 31)))


def room_only_scene(room: Sequence[float], camera: Sequence[float], yaw: float = 0.0,
                    pitch: float = 0.0) -> Scene:
    """An empty room with a fixed camera: its depths have closed forms (used by tests)."""
    b = _Builder(np.random.default_rng(0), np.asarray(room, float), np.asarray(camera, float))
    return Scene(np.asarray(room, float), np.asarray(camera, float), yaw, pitch,
                 _room_surfaces(b))
