"""a2acli: the command-line toolkit for A2A (Agent2Agent) agents."""

__version__ = "0.1.0"
