"""Documents per requirement: uploads checked by content, hashed, versioned, kept in object storage."""
