"""Airflow plugin entry point (the only file Airflow imports from plugins/; see plugins/.airflowignore)."""

from hisbridge.plugin import HisbridgePlugin

__all__ = ["HisbridgePlugin"]
