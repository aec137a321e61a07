"""Shared test support: real servers on loopback, never mocks."""
