"""Stage 4, systems: the kernels of game/rules/system_table.py bound to a World's arrays from the
sources their systems declare (binding.py) and installed on the Scheduler in their named order
(install.py)."""
