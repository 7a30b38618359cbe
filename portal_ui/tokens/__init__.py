"""Tokens (README "Configuration"): the embedded issuer's signing key and JWKS, minting, and verification."""
