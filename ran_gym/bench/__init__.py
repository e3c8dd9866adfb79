"""``ran-gym bench``: one module per suite (``bridge``, ``scenario``, ``agents``,
``analysis``, ``scaling``, ``learner``, ``sweep``), ``suites`` running them all and
``markdown`` writing their tables into docs/benchmarks.md."""
