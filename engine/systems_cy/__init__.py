"""Cython kernels: a module holds one system or a few, each in its generated `KERNELS` dict (kernel
name -> checked entry point; args.py declares their arguments); step.pyx and envstep.pyx are the
compiled tick and env step."""
