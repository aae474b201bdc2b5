"""Notifications for the whole platform: templates in the person's language, sent through notifiers."""
