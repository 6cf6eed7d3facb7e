"""The game's mechanics, one folder each: a mechanic's declaration (its actions, systems,
scalars and constants, in the folder's __init__.py), its kernels (`*.pyx`) and their numpy
prototypes (`reference_*.py`). game/mechanics/registry.py lists them; the action table, the
system table and the kernels' scalars are derived from what they declare."""
