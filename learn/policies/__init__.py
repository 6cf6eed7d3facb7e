"""The policies and their pieces: the registry and the network variants (policy.py), the encoders
(typed_encoder.py, cell_encoder.py, and what they read from a cell: cell_inputs.py; shared init:
layers.py), the egocentric frame (egocentric.py), and a trained policy bound to an env, acting
(agent.py: `load_agent`, `Agent`)."""
