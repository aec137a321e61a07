"""a2acli.cards."""
