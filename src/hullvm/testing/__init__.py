"""Helpers for testing hullvm: random program generation for differential tests."""
