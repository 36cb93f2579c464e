"""Ignite's ComputeService in the emulator: records (`store`), background work and wire shapes (`service`),
source archives (`archive`), Python test runs (`python_run`, hosted by `pyhost.py` in a child process)."""
