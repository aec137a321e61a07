"""a2acli.agent."""
