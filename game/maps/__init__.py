"""Stage 2, map: a Level (and a seed) to a MapLayout, from an ASCII map or a generator
(make.py is the entry point; generators.py is the registry of ascii, rooms, scatter, maze, compose)."""
