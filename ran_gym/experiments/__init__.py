"""Experiment scripts that reproduce a results folder under docs/results/ in one command
(``python -m ran_gym.experiments.NAME``)."""
