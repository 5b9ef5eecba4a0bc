"""Pytest fixtures that start the local SP-API simulator on a free loopback port."""
