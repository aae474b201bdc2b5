"""Complaints themselves: submission, their photos, timeline, followers and ratings."""
