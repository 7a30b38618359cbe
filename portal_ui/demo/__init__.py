"""The demo: seeded personas and /demo, a stand-in for a customer's SaaS app."""
