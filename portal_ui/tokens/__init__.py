"""Tokens (contract §1): the embedded issuer's signing key and JWKS, minting, and verification."""
