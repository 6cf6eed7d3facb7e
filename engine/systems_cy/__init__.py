"""Cython kernels: a module holds one system or a few, each listed in its `KERNELS` dict (system
name -> checked entry point); step.pyx and envstep.pyx are the compiled tick and env step."""
