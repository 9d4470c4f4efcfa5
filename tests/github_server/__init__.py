"""A local, contract-tested stand-in for GitHub: see server.py."""

from .server import Exchange, Fault, GitHubServer, Pull, Repo

__all__ = ["Exchange", "Fault", "GitHubServer", "Pull", "Repo"]
