"""a2acli.client."""
