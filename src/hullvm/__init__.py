"""hullvm: programs compiled into transformer weights."""
