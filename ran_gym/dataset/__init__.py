"""Labelled data sets: ``slicing`` (ESA / MILP optima of oran-slicing drops, ``ran-gym
dataset``), ``sapd`` (the SA-PD expert's trajectories, ``ran-gym dataset``) and ``dagger``
(the expert's labels on the states the GDM visits)."""
