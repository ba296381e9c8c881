"""Settings refused at the boundary, one module per area of components/settings; shared configs in configs.py."""
