"""a2acli.render."""
