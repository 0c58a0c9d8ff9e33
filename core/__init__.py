"""KGI Planner core: plain Python, no Streamlit. Pages and the `kgi` command both call it."""

__version__ = "0.1.0"
