"""hisbridge: the integration platform between the HIS of Nanchang First Hospital and the outside platforms."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
INCLUDE_DIR = PROJECT_DIR / "include"
SQL_DIR = INCLUDE_DIR / "sql"
MAPPINGS_DIR = INCLUDE_DIR / "mappings"
