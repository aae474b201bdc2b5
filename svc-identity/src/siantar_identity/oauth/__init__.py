"""OAuth 2 / OpenID: signing keys, JWKS and discovery, the token endpoint, refresh-token families."""
