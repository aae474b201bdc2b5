"""The OPD (perangkat daerah) master list, owned by identity and cached by the other services."""
