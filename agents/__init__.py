"""ran-gym's agents: ``common`` (the sampler, networks, replay, checkpoints), the classic
``baselines``, the SA-PD expert ``sapd``, and ``gdm``, ``diffusion_ql``, ``dqn``, ``ssvae``;
``registry`` names them all (``make_agent``). Every one answers
``predict(obs, deterministic=True)``.

Importing a sub-package loads only what it needs: the registry, which loads every agent,
is imported by name.
"""
