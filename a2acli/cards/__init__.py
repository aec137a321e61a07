"""Agent Card knowledge without I/O: version detection, schema and semantic validation, signing and verification."""
