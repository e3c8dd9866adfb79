"""Diffusion-QL's update as one CUDA graph.

An update samples 2 × T denoising steps (the target's next actions, the policy's actions for
the Q term), back-propagates through one of them and steps two Adam optimisers: some
thousands of small kernels, whose launches, not their arithmetic, bound it on a GPU.
:class:`GraphedUpdate` records :meth:`DiffusionQL._update` once as a CUDA graph and then
replays it with the new batch and random numbers copied into the graph's input tensors.

The update is the same function eager or graphed: its random numbers are drawn before it
(``DiffusionQL._draws``), so the graph holds no random-number generation, and the
optimisers are ``capturable`` (their step counters live on the GPU). Capturing needs a few
warm-up updates on a side stream (lazy optimiser state, autograd's stream set-up); the
parameters and optimiser state are put back afterwards, so the first replayed update
starts from the state the eager one would have. The graph is recorded again after a
checkpoint is loaded (the optimisers' state tensors are then new ones).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol

import torch
from torch import nn

WARMUP = 3
"""Updates run on a side stream before capture (PyTorch's whole-network capture recipe)."""

Tensors = tuple[torch.Tensor, ...]
"""A batch or the random numbers of an update: a NamedTuple of tensors."""


class Updater(Protocol):
    """What is recorded: an update of the networks by their optimisers, given a batch and
    its random numbers (both tuples of tensors), returning the losses as one tensor."""

    @property
    def device(self) -> torch.device: ...
    @property
    def actor(self) -> nn.Module: ...
    @property
    def critic(self) -> nn.Module: ...
    @property
    def critic_target(self) -> nn.Module: ...
    @property
    def actor_optimizer(self) -> torch.optim.Optimizer: ...
    @property
    def critic_optimizer(self) -> torch.optim.Optimizer: ...

    def _update(self, batch: Any, draws: Any, bc_rows: int | None = None) -> torch.Tensor: ...


def set_capturable(optimizer: torch.optim.Optimizer, capturable: bool,
                   device: torch.device) -> None:
    """Make a loaded Adam's state fit this agent: ``capturable`` (step counters on
    ``device``) for graph replay, else not (step counters on the CPU), whatever the
    checkpoint's optimiser was."""
    for group in optimizer.param_groups:
        group["capturable"] = capturable
    home = device if capturable else torch.device("cpu")
    for state in optimizer.state.values():
        step = state.get("step")
        if isinstance(step, torch.Tensor) and step.device != home:
            state["step"] = step.to(home, torch.float32)


class GraphedUpdate:
    """An :class:`Updater`'s update captured at the first call and replayed after it."""

    def __init__(self, agent: Updater):
        self.agent = agent
        self.graph: torch.cuda.CUDAGraph | None = None
        self.inputs: list[torch.Tensor] = []
        self.losses: torch.Tensor | None = None
        self.bc_rows: int | None = None

    def run(self, batch: Tensors, draws: Tensors, bc_rows: int | None = None) -> torch.Tensor:
        """One update; ``bc_rows`` as in the agent's ``_update`` (the graph is recorded
        for one batch size and one split of demonstrations and other rows)."""
        values = [*batch, *draws]
        if self.graph is not None and (bc_rows != self.bc_rows or any(
                v.shape != s.shape for v, s in zip(values, self.inputs, strict=True))):
            self.graph = None  # another batch size or split: record again
        if self.graph is None:
            self._capture(batch, draws, bc_rows)
        for static, value in zip(self.inputs, values, strict=True):
            static.copy_(value, non_blocking=True)
        assert self.graph is not None and self.losses is not None
        self.graph.replay()
        return self.losses.clone()

    def _capture(self, batch: Tensors, draws: Tensors, bc_rows: int | None) -> None:
        a = self.agent
        self.bc_rows = bc_rows
        device = a.device
        self.inputs = [v.detach().to(device).clone() for v in (*batch, *draws)]
        static_batch = type(batch)(*self.inputs[:len(batch)])
        static_draws = type(draws)(*self.inputs[len(batch):])
        with state_kept(a):
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(side):
                for _ in range(WARMUP):
                    a._update(static_batch, static_draws, bc_rows)
            torch.cuda.current_stream(device).wait_stream(side)
        for optimizer in (a.actor_optimizer, a.critic_optimizer):
            optimizer.zero_grad(set_to_none=True)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.losses = a._update(static_batch, static_draws, bc_rows)


@contextlib.contextmanager
def state_kept(agent: Updater) -> Iterator[None]:
    """What an update changes (networks, target critics, optimiser state) is put back, in
    place, when the block ends: the tensors the graph records stay those the agent uses.
    Optimiser state that did not exist before the block is zeroed, which is how Adam
    starts it (zero moments, step 0)."""
    modules = (agent.actor, agent.critic, agent.critic_target)
    optimizers = (agent.actor_optimizer, agent.critic_optimizer)
    params = [[p.detach().clone() for p in m.parameters()] for m in modules]
    states = [{id(p): {k: v.clone() for k, v in s.items() if isinstance(v, torch.Tensor)}
               for p, s in o.state.items()} for o in optimizers]
    yield
    with torch.no_grad():
        for module, saved in zip(modules, params, strict=True):
            for param, value in zip(module.parameters(), saved, strict=True):
                param.copy_(value)
        for optimizer, saved_state in zip(optimizers, states, strict=True):
            for p, state in optimizer.state.items():
                before = saved_state.get(id(p), {})
                for key, value in state.items():
                    if not isinstance(value, torch.Tensor):
                        continue
                    if key in before:
                        value.copy_(before[key])
                    else:
                        value.zero_()
