"""Reading many complaints: the officer queue, public and own lists, search, the map, statistics and exports."""
