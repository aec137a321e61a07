"""`python -m a2acli`."""

from a2acli.cli import main

if __name__ == "__main__":
    main()
