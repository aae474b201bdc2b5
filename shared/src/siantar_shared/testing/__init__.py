"""Test support for every member: a pytest plugin (`-p siantar_shared.testing.plugin`) and token minting."""
