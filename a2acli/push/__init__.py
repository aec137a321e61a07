"""Push notifications: a local webhook receiver (`a2a push listen`, `a2a send --push`)."""
