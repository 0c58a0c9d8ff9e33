"""Streamlit-side helpers shared by the pages (state, widgets). ``core/`` never imports this."""
