"""Stages shared by several tasks' branches (hard parameter sharing inside the branches).

Jiao et al., ECCV 2018, supplement §2: the branch-out network shares a task network's first
layers ("SX-Y means layers X to Y are shared", Table 2) and the merge-in network its final
layers. No equation applies; this is the model's wiring.

``MultiTaskModel(shared_stages={group: dict(tasks=(...), start=0, stop=k)})``: stages
``start .. stop-1`` (0-based; boundary ``b`` is after stage ``b``, so the shared layers are
``start+1 .. stop`` counted from 1) of every listed task's branch are ONE module, the first
task's. Branch-out S1-k is ``start=0, stop=k``; a merge-in shares ``start=m, stop=L`` after
an interaction at boundary ``m`` has given the tasks one feature. A shared stage is run once
per forward pass for the tasks that reach it with the same tensor (the branch input when
``start=0``); tasks that reach it with different tensors each run it, with the same weights.
Only stages that apply their own module to their input alone can be shared
(``Branch.pure_stage``). A shared parameter is named after the first task
(``named_parameters()`` lists it once), so a module prefix of another task (e.g.
``TrainingStagesHook``'s ``frozen``) does not reach it.
"""
from typing import Callable, Dict, List, Tuple

import torch
from torch import nn

from mtl.models.builder import ConfigError

GROUP_KEYS = {'tasks', 'start', 'stop'}


class StageSharing:
    """Ties the stages of ``groups`` in ``branches`` (an ``nn.ModuleDict`` of task
    branches) when built, and runs each shared stage once per input tensor."""

    def __init__(self, groups: dict, branches: nn.ModuleDict, key: str = 'model.shared_stages'):
        self.owner: Dict[Tuple[str, int], str] = {}  # (task, stage) -> the task whose module it is
        self.modules: List[nn.Module] = []
        for name, cfg in (groups or {}).items():
            self._tie(cfg, branches, f'{key}.{name}')

    def _tie(self, cfg: dict, branches: nn.ModuleDict, key: str) -> None:
        if not isinstance(cfg, dict) or set(cfg) - GROUP_KEYS or 'stop' not in cfg:
            raise ConfigError(f'{key}: expected dict(tasks=(...), start=0, stop=k) (shares stages '
                              f'start..stop-1), got {cfg!r}')
        tasks, start, stop = tuple(cfg.get('tasks', ())), cfg.get('start', 0), cfg['stop']
        unknown = [t for t in tasks if t not in branches]
        if len(tasks) < 2 or unknown:
            raise ConfigError(f'{key}.tasks: needs at least two tasks of model.tasks '
                              f'({list(branches)}), got {tasks}')
        fewest = min(len(branches[t].stages) for t in tasks)
        if not 0 <= start < stop <= fewest:
            raise ConfigError(f'{key}: start={start}, stop={stop}, but needs 0 <= start < stop <= '
                              f'{fewest} (the fewest stages among the branches of {tasks})')
        first = tasks[0]
        for task in tasks:
            branch = branches[task]
            if not isinstance(branch.stages, nn.ModuleList):
                raise ConfigError(f'{key}: the branch of "{task}" ({type(branch).__name__}) keeps no '
                                  f'nn.ModuleList of stages, so its stages cannot be shared')
            for index in range(start, stop):
                self._check(branches[first], branch, index, f'{key} (task "{task}", stage {index})')
                if task != first:
                    if (task, index) in self.owner:
                        raise ConfigError(f'{key}: stage {index} of "{task}" is already shared')
                    branch.stages[index] = branches[first].stages[index]
                self.owner[(task, index)] = first
        self.modules += [branches[first].stages[i] for i in range(start, stop)]

    @staticmethod
    def _check(reference: nn.Module, branch: nn.Module, index: int, where: str) -> None:
        if not branch.pure_stage(index):
            raise ConfigError(f'{where}: {type(branch).__name__}.forward_stage uses more than '
                              f'stages[{index}] (Branch.pure_stage is False), so the stage cannot '
                              f'be shared; share fewer stages or use a branch such as ConvLayers')
        shapes = [{k: v.shape for k, v in b.stages[index].state_dict().items()}
                  for b in (reference, branch)]
        if shapes[0] != shapes[1] or branch.channels_at(index) != reference.channels_at(index):
            raise ConfigError(f'{where}: the stage differs in shape from the first task\'s '
                              f'(input channels {reference.channels_at(index)} vs '
                              f'{branch.channels_at(index)}); shared stages need the same layers')

    def parameters(self) -> List[nn.Parameter]:
        """The shared stages' parameters, each once."""
        return list(nn.ModuleList(self.modules).parameters())

    def run(self, task: str, index: int, x: torch.Tensor, compute: Callable[[], torch.Tensor],
            done: dict) -> torch.Tensor:
        """Stage ``index`` of ``task`` on ``x``: ``compute()``, or, for a shared stage that
        already ran on this very tensor in this pass (``done``, one dict per pass), its
        output."""
        owner = self.owner.get((task, index))
        if owner is None:
            return compute()
        seen = done.get((owner, index))
        if seen is not None and seen[0] is x:
            return seen[1]
        out = compute()
        done[(owner, index)] = (x, out)
        return out
