"""Cython kernels, one system per module; each module exposes `KERNEL`, its checked entry point."""
