"""ran-gym, the app: the ``ran-gym`` command (``cli``, ``commands/``), runs and evaluations
into run directories (``run``, ``evaluation``, ``rundir``), the trainers (``train/``), the
data-set builders (``dataset/``), sweeps (``sweep/``), benchmarks (``bench/``) and
experiment scripts (``experiments/``).

It sits on top: it imports ``bridge``, ``agents`` and ``analysis``, and nothing imports it.
"""
