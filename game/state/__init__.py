"""Stage 3, state: a Level and its maps to a World of packed arrays (world.py), with kinship in
class form (kinship.py) and the memory check before a large build (memory.py)."""
