"""The portal's rules in plain Python: no Reflex and no HTTP imports here."""
