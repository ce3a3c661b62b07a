"""Shared code for the Transformer lecture notebooks.

One module per concept; nothing happens at import time.
"""
