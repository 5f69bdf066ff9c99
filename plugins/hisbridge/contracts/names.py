"""Names and comments that PostgreSQL, Oracle and SQLite all accept unquoted, as pydantic field types.

Names stay unquoted so that a reader can type them without quotes in every dialect: a letter, then letters,
digits or ``_``, at most 30 characters (Oracle before 12.2), and no word reserved in Oracle or PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

IDENTIFIER_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,29}$"
RESERVED_WORDS = frozenset(
    """ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT COMPRESS CONNECT
    CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT
    GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK
    LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE
    OPTION OR ORDER PCTFREE PRIOR PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE
    SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE
    VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH USER LIMIT OFFSET ANALYSE ANALYZE BOTH CASE CAST COLLATE
    CONSTRAINT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DO END EXCEPT FALSE FETCH FOREIGN
    INITIALLY LATERAL LEADING LOCALTIME LOCALTIMESTAMP ONLY PLACING PRIMARY REFERENCES RETURNING SESSION_USER
    SOME SYMMETRIC TRAILING TRUE USING VARIADIC WINDOW""".split()
)


def check_identifier(value: str) -> str:
    """``value`` if it is a plain, unreserved identifier; else a ``ValueError`` saying why not."""
    if not re.match(IDENTIFIER_PATTERN, value):
        raise ValueError(f"{value!r} is not a plain identifier (letter, then letters/digits/_; at most 30)")
    if value.upper() in RESERVED_WORDS:
        raise ValueError(f"{value!r} is a reserved word in Oracle or PostgreSQL")
    return value


def check_comment(value: str) -> str:
    """``value`` if it can go into a ``COMMENT`` literal of a SQL*Plus script."""
    if "&" in value:  # SQL*Plus would take "&" as the start of a substitution variable
        raise ValueError("descriptions may not contain '&' (SQL*Plus substitution)")
    return value


#: The shape of an identifier only (names we do not create: base tables, schemas, expression keys).
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
#: A name we create (a view, a table): plain and unreserved, case kept.
ObjectName = Annotated[str, Field(pattern=IDENTIFIER_PATTERN), AfterValidator(check_identifier)]
#: A column name, upper-cased as Oracle's catalog shows it (PostgreSQL's shows it lower-cased).
ColumnName = Annotated[
    str, Field(pattern=IDENTIFIER_PATTERN), AfterValidator(lambda v: check_identifier(v).upper())
]
#: An account name, lower-cased as PostgreSQL's catalog shows it.
AccountName = Annotated[
    str, Field(pattern=IDENTIFIER_PATTERN), AfterValidator(lambda v: check_identifier(v).lower())
]
#: The name of an environment variable (where a password comes from; the password itself is never data).
EnvVarName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
#: A description that becomes a ``COMMENT`` in the database.
Comment = Annotated[str, Field(min_length=1), AfterValidator(check_comment)]
