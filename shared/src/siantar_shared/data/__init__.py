"""Reference data files shipped with siantar_shared (read them with importlib.resources)."""
