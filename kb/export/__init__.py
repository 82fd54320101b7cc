"""The knowledge base as a static bundle for readers without the network (``kb export``)."""
