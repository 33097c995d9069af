"""The top layer: the composition root and the processes and commands built on it."""
