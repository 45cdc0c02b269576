"""Named tensors: what a component reads inside a forward pass, by name (DESIGN.md,
"Named tensors"). No paper's equation applies; this is the model's wiring.

Grammar::

    task            the task's final head output, as the losses see it
    task@k          the deep-supervision head output at branch boundary k (the task
                    lists k in ``deep_supervision``); the head reads ``feature:task@k``
    feature:task@k  the task's branch feature at boundary k (0 = the branch input), as the
                    branch produced it, i.e. before the interactions placed at boundary k
    target:key      a target of the batch (a key of ``mtl.structures.TARGET_SPECS``); in
                    ``loss`` mode the batch's tensor (``None`` when the batch lacks it), in
                    ``predict`` and ``tensor`` mode ``None``
    backbone:path   the output of the shared backbone's sub-module ``path`` (its name in
                    ``model.backbone.named_modules()``, e.g. ``body.layer2.0`` of a
                    ``TimmBackbone``: an intermediate level that ``out_indices`` does not
                    return), captured by a forward hook; its channels are measured once at
                    build time by a forward pass of a small blank image

Interactions and the neck declare ``inputs=dict(<forward kwarg>=<name>)``, losses
``extra=dict(<kwarg>=<name>)``; a kwarg may also name a list of tensors
(``inputs=dict(depth=['feature:depth@1', 'feature:depth@2'])``, e.g. a task's features at
several scales): the reader receives a list of tensors in that order, and a constructor's
``input_channels`` a list of their channels. A task's branch may start from a named output or
feature of an earlier task (``model.tasks.<task>.input``, a cascade): such a task runs in a
later *wave*, after every branch of the waves before it has finished. :class:`ForwardGraph`
checks the names at build time (the task exists, the boundary exists, the deep-supervision
head exists, the tensor is produced before its reader runs) and works out which stages,
interactions and heads a set of wanted outputs needs; :class:`NamedTensors` holds one
forward pass's tensors.
"""
import difflib
import inspect
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import (Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import torch
from torch import nn

from mtl.models.builder import ConfigError
from mtl.structures import TARGET_SPECS

KINDS = ('output', 'feature', 'target', 'backbone')
PROBE_SIZE = 64  # side of the blank image that measures a backbone sub-module's channels
ALL = sys.maxsize  # "after every interaction at the boundary"


@dataclass(frozen=True)
class TensorName:
    """A parsed name: ``kind`` is 'output', 'feature', 'target' or 'backbone'; ``boundary``
    is None for a task's final output; ``target`` is the batch key of a 'target' name,
    ``module`` the sub-module path of a 'backbone' name."""
    text: str
    kind: str
    task: str = ''
    boundary: Optional[int] = None
    target: str = ''
    module: str = ''

    @property
    def output(self) -> str:
        """The output key (``task`` or ``task@k``) of an 'output' name."""
        return self.task if self.boundary is None else f'{self.task}@{self.boundary}'


Read = Union[TensorName, Tuple[TensorName, ...]]  # what one kwarg reads: a name or a list of names


def read_names(reads: Mapping[str, Read]) -> Iterator[TensorName]:
    """Every name in ``{kwarg: name or tuple of names}``."""
    for read in reads.values():
        yield from (read if isinstance(read, tuple) else (read,))


def parse_name(text, where: str) -> TensorName:
    """Parse ``text`` by the grammar above; ``where`` describes the reader for errors."""
    usage = 'use "task", "task@k", "feature:task@k", "target:key" or "backbone:path"'
    if not isinstance(text, str):
        raise ConfigError(f'{where}: expected a tensor name, got {text!r}; {usage}')
    if text.startswith('target:'):
        return TensorName(text, 'target', target=text[len('target:'):])
    if text.startswith('backbone:'):
        return TensorName(text, 'backbone', module=text[len('backbone:'):])
    kind, body = ('feature', text[len('feature:'):]) if text.startswith('feature:') else ('output', text)
    task, at, boundary = body.partition('@')
    if not task.isidentifier() or (at and not boundary.isdigit()):
        raise ConfigError(f'{where}: "{text}" is not a tensor name; {usage}')
    if kind == 'feature' and not at:
        raise ConfigError(f'{where}: "{text}" needs a boundary: "feature:{task}@k"')
    return TensorName(text, kind, task, int(boundary) if at else None)


def check_accepts(forward: Callable, kwargs: Iterable[str], supplied: int, key: str) -> None:
    """Raise unless ``forward`` accepts each of ``kwargs`` by keyword; its first
    ``supplied`` parameters are the model's own arguments and cannot be named."""
    params = list(inspect.signature(forward).parameters.values())
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return
    accepted = [p.name for p in params[supplied:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for kwarg in kwargs:
        if kwarg not in accepted:
            raise ConfigError(f'{key}.{kwarg}: {forward.__qualname__} takes no keyword argument '
                              f'"{kwarg}" (it accepts {accepted})')


def input_order(tasks: Mapping[str, dict]) -> List[str]:
    """The task names of ``model.tasks`` in config order, except that a task whose
    ``input`` names another task's tensor comes after that task (a cascade may list its
    second network first)."""
    reads = {t: parse_name(cfg['input'], f'model.tasks.{t}.input').task
             if isinstance(cfg, dict) and cfg.get('input') is not None else None
             for t, cfg in tasks.items()}
    order: List[str] = []
    while len(order) < len(reads):
        ready = [t for t, source in reads.items() if t not in order and (source is None or source in order
                                                                         or source not in reads)]
        if not ready:
            cycle = {t: reads[t] for t in reads if t not in order}
            raise ConfigError(f'model.tasks: the tasks\' inputs form a cycle ({cycle}, task: the task '
                              f'it reads); a cascade needs a first task that reads the backbone')
        order.append(ready[0])
    return order


@contextmanager
def capture_outputs(module: Optional[nn.Module], paths: Sequence[str]) -> Iterator[Dict[str, torch.Tensor]]:
    """``{path: output}`` of ``module``'s sub-modules ``paths`` in the forward passes run
    inside the ``with`` block (a sub-module called twice keeps its last output)."""
    outputs: Dict[str, torch.Tensor] = {}
    modules = dict(module.named_modules()) if module is not None and paths else {}
    handles = [modules[path].register_forward_hook(
        lambda _module, _args, output, path=path: outputs.__setitem__(path, output))
        for path in paths]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def probe_channels(backbone: nn.Module, paths: Sequence[str], key: str) -> Dict[str, int]:
    """Channels of the outputs of ``backbone``'s sub-modules ``paths``, from one forward
    pass of a blank ``PROBE_SIZE``² image in eval mode (running statistics untouched)."""
    training, param = backbone.training, next(backbone.parameters(), None)
    image = torch.zeros(1, 3, PROBE_SIZE, PROBE_SIZE, device=None if param is None else param.device)
    backbone.eval()
    try:
        with torch.no_grad(), capture_outputs(backbone, paths) as outputs:
            backbone(image)
    finally:
        backbone.train(training)
    for path in paths:
        output = outputs.get(path)
        if not isinstance(output, torch.Tensor) or output.dim() != 4:
            got = 'nothing (it does not run)' if output is None else type(output).__name__
            raise ConfigError(f'{key}: "backbone:{path}" must be a sub-module whose output is a '
                              f'B×C×H×W tensor; it gave {got}')
    return {path: outputs[path].shape[1] for path in paths}


class Placement(NamedTuple):
    """An interaction's place: its boundary, its order there, and the tasks it connects."""
    boundary: int
    index: int
    tasks: Tuple[str, ...]


class RunPlan(NamedTuple):
    """What one forward pass computes.

    ``run_to[task]`` is the last boundary the branch reaches (stages before it run);
    ``interactions``, ``deep_heads`` (tasks) and ``features`` (tasks whose feature is
    kept) are listed per boundary; ``finals`` are the tasks whose final head runs;
    ``outputs`` the output keys the pass returns; ``waves`` the running tasks grouped by
    wave (a wave's branches run once every earlier wave's have finished).
    """
    run_to: Dict[str, int]
    interactions: Dict[int, List[str]]
    deep_heads: Dict[int, List[str]]
    features: Dict[int, List[str]]
    finals: List[str]
    outputs: List[str]
    waves: List[List[str]]


class ForwardGraph:
    """The tensors a forward pass produces, in which order, and who reads which.

    The model adds its tasks (:meth:`add_task`) and places its interactions
    (:meth:`place`) in the order they run; readers then declare what they read.
    ``backbone_modules``: the names of the shared backbone's sub-modules (``None``: the
    model has no backbone).
    """

    def __init__(self, backbone_modules: Optional[Sequence[str]] = None):
        self.backbone_modules = None if backbone_modules is None else [n for n in backbone_modules if n]
        self.stages: Dict[str, int] = {}
        self.deep_supervision: Dict[str, Tuple[int, ...]] = {}
        self.placements: Dict[str, Placement] = {}
        self.reads: Dict[str, Dict[str, Read]] = {}
        self.inputs: Dict[str, TensorName] = {}  # task -> the named tensor its branch starts from
        self.wave: Dict[str, int] = {}

    def add_task(self, task: str, stages: int, deep_supervision: Sequence[int],
                 input_name: Optional[TensorName] = None, key: str = '') -> None:
        """Add a task; ``input_name`` (checked with :meth:`checked_name`, config key
        ``key``) is what its branch starts from, instead of the backbone's features."""
        self.stages[task], self.deep_supervision[task] = stages, tuple(deep_supervision)
        self.wave[task] = 0
        if input_name is not None:
            self.inputs[task], self.reads[key] = input_name, {'input': input_name}
            self.wave[task] = self.wave[input_name.task] + 1

    def place(self, name: str, boundary: int, tasks: Sequence[str]) -> None:
        """Place an interaction after those already placed at ``boundary``."""
        waves = {t: self.wave[t] for t in tasks}
        if len(set(waves.values())) > 1:
            raise ConfigError(f'model.interactions.{name}.tasks: {list(tasks)} run in different '
                              f'waves {waves} (a task with an "input" runs after the task it '
                              f'reads), so they share no boundary')
        index = sum(p.boundary == boundary for p in self.placements.values())
        self.placements[name] = Placement(boundary, index, tuple(tasks))

    def declare_reads(self, reader: str, owner: str, field: str, names: Mapping[str, object],
                      kinds: Sequence[str] = KINDS) -> Dict[str, Read]:
        """Parse and check what ``reader`` (an interaction name, ``'neck'`` or a loss's
        config key) reads: ``names`` is the config value at ``<owner>.<field>``, each value
        a name or a non-empty list of names."""
        place, parsed = self.placements.get(reader), {}
        for kwarg, text in names.items():
            key = f'{owner}.{field}.{kwarg}'
            if isinstance(text, (list, tuple)):
                if not text:
                    raise ConfigError(f'{key}: an empty list reads nothing; name at least one tensor')
                parsed[kwarg] = tuple(self.checked_name(t, owner, f'{key}[{i}]', kinds, place)
                                      for i, t in enumerate(text))
            else:
                parsed[kwarg] = self.checked_name(text, owner, key, kinds, place)
        self.reads[reader] = parsed
        return parsed

    def checked_name(self, text: str, owner: str, key: str, kinds: Sequence[str] = KINDS,
                     place: Optional[Placement] = None) -> TensorName:
        """``text`` parsed and checked: a ``kinds`` name that exists and, for a reader at
        ``place``, is produced before the reader runs."""
        name = parse_name(text, f'{key}')
        where = f'{owner} reads {name.kind} "{text}" ({key})'
        if name.kind not in kinds:
            raise ConfigError(f'{where}, but it can read only {" or ".join(kinds)} names')
        self.check_exists(name, where)
        if place is not None:
            self.check_causal(name, place, where)
        return name

    def backbone_reads(self) -> List[str]:
        """The backbone sub-modules that some reader reads (``backbone:path``)."""
        return sorted({n.module for reads in self.reads.values() for n in read_names(reads)
                       if n.kind == 'backbone'})

    def check_exists(self, name: TensorName, where: str) -> None:
        if name.kind == 'backbone':
            if self.backbone_modules is None:
                raise ConfigError(f'{where}, but the model has no shared backbone (model.backbone is None)')
            if name.module not in self.backbone_modules:
                close = difflib.get_close_matches(name.module, self.backbone_modules, n=6)
                raise ConfigError(f'{where}, but model.backbone has no sub-module "{name.module}" (names '
                                  f'as in model.backbone.named_modules()); similar: {close}')
            return
        if name.kind == 'target':
            if name.target not in TARGET_SPECS:
                raise ConfigError(f'{where}: "{name.target}" is not a known target {sorted(TARGET_SPECS)}; '
                                  f'declare it with mtl.structures.register_target()')
            return
        if name.kind == 'feature' and name.task not in self.stages:
            raise ConfigError(f'{where}, but task "{name.task}" is not defined in model.tasks '
                              f'({list(self.stages)})')
        if name.task not in self.stages:
            outputs = list(self.stages) + [f'{t}@{k}' for t, ks in self.deep_supervision.items() for k in ks]
            raise ConfigError(f'{where}, which no task produces (outputs: {outputs})')
        stages, boundary = self.stages[name.task], name.boundary
        if boundary is not None and boundary > stages:
            raise ConfigError(f'{where}, but boundary {boundary} does not exist: task "{name.task}" has '
                              f'{stages} stages (boundaries 0..{stages})')
        if name.kind == 'output' and boundary not in (None, *self.deep_supervision[name.task]):
            raise ConfigError(f'{where}, but task "{name.task}" has no deep-supervision head at boundary '
                              f'{boundary}: add {boundary} to model.tasks.{name.task}.deep_supervision')

    def check_causal(self, name: TensorName, reader: Placement, where: str) -> None:
        """A reader at boundary b reads what exists when it runs: features and
        deep-supervision outputs at boundaries <= b, and final outputs whose branch ended
        before b, or at b with every interaction that changes it placed before the reader.
        Targets and backbone tensors exist before any reader runs."""
        if name.kind in ('target', 'backbone'):
            return
        producer, reading = self.wave[name.task], self.wave[reader.tasks[0]]
        if producer != reading:
            if producer > reading:
                raise ConfigError(f'{where}, but task "{name.task}" runs after this reader: its branch '
                                  f'starts from model.tasks.{name.task}.input')
            return
        if name.boundary is not None:
            if name.boundary > reader.boundary:
                raise ConfigError(f'{where}, which is produced at boundary {name.boundary}, after this '
                                  f'reader runs (after_stage={reader.boundary})')
            return
        ready = self.stages[name.task]
        later = [n for n, p in self.placements.items() if p.boundary == ready == reader.boundary
                 and p.index >= reader.index and name.task in p.tasks]
        if ready > reader.boundary or later:
            after = f' and after interactions {later} there' if later else ''
            raise ConfigError(f'{where}, but the final output of "{name.task}" is ready only after boundary '
                              f'{ready}{after}, later than this reader runs (after_stage={reader.boundary}): '
                              f'read it from a later boundary or read an earlier tensor')

    def plan(self, wanted: Sequence[str]) -> RunPlan:
        """What must run to produce the ``wanted`` output keys: their branches up to the
        boundaries they need, the interactions that change those features, and,
        transitively, whatever those interactions read."""
        run_to: Dict[str, int] = {}
        interactions, deep_heads, finals, seen = set(), set(), set(), set()
        todo = [('read', parse_name(key, 'wanted output')) for key in wanted]
        while todo:
            item = todo.pop()
            if item in seen:
                continue
            seen.add(item)
            kind, *args = item
            if kind == 'read':
                todo += self._read_needs(args[0])
            elif kind == 'final':
                finals.add(args[0])
                todo.append(('feature', args[0], self.stages[args[0]], ALL))
            elif kind == 'deep_head':
                deep_heads.add(tuple(args))
                todo.append(('feature', *args, 0))
            elif kind == 'feature':  # task's feature at a boundary, after `slot` interactions there
                task, boundary, slot = args
                run_to[task] = max(run_to.get(task, 0), boundary)
                todo += [('interaction', n) for n, p in self.placements.items()
                         if p.boundary == boundary and p.index < slot and task in p.tasks]
                if boundary:
                    todo.append(('feature', task, boundary - 1, ALL))
                elif task in self.inputs:
                    todo.append(('read', self.inputs[task]))
            else:
                interactions.add(args[0])
                place = self.placements[args[0]]
                todo += [('feature', t, place.boundary, place.index) for t in place.tasks]
                todo += [('read', name) for name in read_names(self.reads.get(args[0], {}))]
        return self._ordered(run_to, interactions, deep_heads, finals, wanted)

    @staticmethod
    def _read_needs(name: TensorName) -> list:
        if name.kind in ('target', 'backbone'):
            return []
        if name.kind == 'feature':
            return [('feature', name.task, name.boundary, 0)]
        return [('final', name.task) if name.boundary is None else ('deep_head', name.task, name.boundary)]

    def _ordered(self, run_to, interactions, deep_heads, finals, wanted) -> RunPlan:
        tasks = [t for t in self.stages if t in run_to]
        kept = {(n.task, n.boundary) for reads in self.reads.values() for n in read_names(reads)
                if n.kind == 'feature' and n.boundary <= run_to.get(n.task, -1)}

        def per_boundary(pairs, order):  # {(boundary, name)} -> {boundary: [name, ...]}
            result = {}
            for boundary, name in sorted(pairs, key=lambda pair: (pair[0], order.index(pair[1]))):
                result.setdefault(boundary, []).append(name)
            return result

        placed = {(p.boundary, n) for n, p in self.placements.items() if n in interactions}
        return RunPlan(run_to={t: run_to[t] for t in tasks},
                       interactions=per_boundary(placed, list(self.placements)),
                       deep_heads=per_boundary({(b, t) for t, b in deep_heads}, tasks),
                       features=per_boundary({(b, t) for t, b in kept}, tasks),
                       finals=[t for t in tasks if t in finals], outputs=list(wanted),
                       waves=[[t for t in tasks if self.wave[t] == w]
                              for w in sorted({self.wave[t] for t in tasks})])


class NamedTensors:
    """The named tensors of one forward pass.

    ``outputs`` maps output keys to head outputs, ``features`` maps ``(task, boundary)``
    to the kept branch features, ``aux_losses`` holds the components' auxiliary losses,
    ``backbone`` the captured backbone sub-module outputs (``{path: tensor}``).
    ``live`` is the pass's current ``{task: feature}``: a final output read before the
    pass ends is computed from it, once.
    """

    def __init__(self, heads: nn.ModuleDict, size: Tuple[int, int], targets: Optional[dict],
                 live: Dict[str, torch.Tensor], backbone: Optional[Dict[str, torch.Tensor]] = None):
        self.backbone = backbone or {}
        self.outputs: Dict[str, torch.Tensor] = {}
        self.features: Dict[Tuple[str, int], torch.Tensor] = {}
        self.aux_losses: Dict[str, torch.Tensor] = {}
        self.heads, self.size, self.targets, self.live = heads, size, targets, live

    def final(self, task: str) -> torch.Tensor:
        if task not in self.outputs:
            self.outputs[task] = self.heads[task](self.live[task], self.size)
        return self.outputs[task]

    def get(self, name: TensorName) -> Optional[torch.Tensor]:
        if name.kind == 'target':
            return None if self.targets is None else self.targets.get(name.target)
        if name.kind == 'backbone':
            return self.backbone[name.module]
        if name.kind == 'feature':
            return self.features[(name.task, name.boundary)]
        return self.final(name.task) if name.boundary is None else self.outputs[name.output]

    def resolve(self, reads: Mapping[str, Read]) -> Dict[str, object]:
        """``{kwarg: tensor}``, or a list of tensors where the kwarg reads a list of names."""
        return {kwarg: [self.get(n) for n in read] if isinstance(read, tuple) else self.get(read)
                for kwarg, read in reads.items()}
