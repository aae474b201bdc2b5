"""Complaint photos: content checks, metadata stripping and thumbnails, kept through the storage interface."""
