"""The demo: tenants, people, roles, API keys, policies, licenses and ten sample digests
(demo.json, digests/), and the load_demo command that loads them into every app."""
