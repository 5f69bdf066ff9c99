"""Keeps patients' ID numbers, phone numbers and names out of every log line (design.md invariant 5).

Three nets, because no single one catches everything:

* patterns: 18-character resident ID numbers and mainland mobile numbers anywhere in a message;
* keys: the value after a PII-looking key, but only where it is a value and not the words of a message:
  **a key's value is masked when it is quoted, follows ``=``, or contains a digit or a CJK character** — so
  ``certno=360102…``, ``"psn_name": "张三"``, ``psn_name='李四'``, ``phone: 13912345678`` and ``addr: 南昌市…`` are
  masked, while a validation reason such as ``psn_name: String should have at most 50 characters`` or
  ``phar_name: field has no value`` keeps its words (a bare ``key: word`` is how pydantic and our checks name
  the field a message is about). Chinese text after a bare key is masked even when it is a reason (a Chinese
  name has no pattern, so the rule errs towards masking); what it lets through is a Latin-letter value after a
  bare colon (``psn_name: Zhang``), which the HIS does not produce and the 医保 error scrubber removes first;
* known values: names (and other identifiers) of the records being processed, registered by the pipeline from
  the fields the platform models flag as PII — a Chinese name has no pattern.

:func:`install` wraps the log-record factory, so every record created in the process — whatever logger or
handler it goes to, Airflow's task log included — is masked at birth, traceback text too.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# pre-1999 15-digit resident ID: area(6) + yyMMdd + sequence(3); the date part keeps other 15-digit ids out
OLD_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# Keys of people's names and identifiers: patients' and, since the models flag them too, the prescribing
# doctor's, the pharmacist's and the operators' (prsc_dr_name, phar_certno, sel_retn_opter_name, …).
PII_KEY_NAMES = (
    r"(?:[a-z_]*certno|[a-z_]*cert_no|psn_name|patient_name|pat_name|name|prsc_dr_name|phar_name|"
    r"[a-z_]*opter_name|dr_name|doctor_name|nurse_name|id_card_no|idcard|id_no|phone|tel|mobile|psn_no|"
    r"address|addr)"
)
_BARE = r"[^\"',;}\s]"  # one character of an unquoted value
PII_KEY = re.compile(
    rf"""(?P<key>["']?\b{PII_KEY_NAMES}\b["']?)"""
    r"(?:"
    # "psn_name": "张三" (an unclosed quote masks to the end of the line)
    r"""(?P<quoted_sep>\s*[:=：]\s*)(?P<quote>["'])(?P<quoted>[^\n]*?)(?P<close>(?P=quote)|(?=\n)|\Z)"""
    rf"|(?P<eq_sep>\s*=\s*)(?P<after_eq>{_BARE}+)"  # certno=360102…, name=王五
    rf"|(?P<colon_sep>\s*[:：]\s*)(?P<after_colon>{_BARE}*[0-9\u4e00-\u9fff]{_BARE}*)"  # phone: 139…, addr: 南昌
    r")",
    re.IGNORECASE,
)
_PII_KEY_NAME = re.compile(PII_KEY_NAMES, re.IGNORECASE)
CJK_RUN = re.compile(r"[\u4e00-\u9fff·]{2,}")
MAX_KNOWN = 20_000  # a few chunks of names: bounded memory; the pipeline registers each chunk anew

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def register_pii(values: Iterable[object]) -> None:
    """Remember identifying values (names above all) so they are masked wherever they appear."""
    with _lock:
        if len(_known) > MAX_KNOWN:
            _known.clear()
        for v in values:
            if v is None:
                continue
            text = str(v).strip()
            if len(text) >= 2:
                _known.add(text)


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) <= 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def mask_text(text: str) -> str:
    if not text:
        return text
    text = ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 13 + m.group(3)[-2:], text)
    text = OLD_ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 10 + m.group(3)[-2:], text)
    text = MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = PII_KEY.sub(_mask_key_value, text)
    if _known:
        text = CJK_RUN.sub(_mask_known_in_run, text)
        if any(ch.isdigit() for ch in text):
            text = re.sub(r"[0-9A-Za-z]{6,}", lambda m: "***" if m.group(0) in _known else m.group(0), text)
    return text


def is_pii_key(name: str) -> bool:
    """Whether a field or column name is one whose values the masker treats as personal data."""
    return _PII_KEY_NAME.fullmatch(name) is not None


def _mask_key_value(m: re.Match[str]) -> str:
    if m.group("quote") is not None:
        quote = m.group("quote")
        inner = "***" if m.group("quoted") else ""  # an empty value reveals nothing
        return m.group("key") + m.group("quoted_sep") + quote + inner + m.group("close")
    if m.group("after_eq") is not None:
        return m.group("key") + m.group("eq_sep") + "***"
    return m.group("key") + m.group("colon_sep") + "***"


def _mask_known_in_run(m: re.Match[str]) -> str:
    run = m.group(0)
    out, i = [], 0
    while i < len(run):
        for size in (4, 3, 2):
            piece = run[i : i + size]
            if len(piece) == size and piece in _known:
                out.append(mask_name(piece))
                i += size
                break
        else:
            out.append(run[i])
            i += 1
    return "".join(out)


class PiiFilter(logging.Filter):
    """For handlers outside the record factory's reach (files written by the demo)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


def _mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_pii_masked", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the line
        message = str(record.msg)
    record.msg, record.args = mask_text(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)).rstrip())
    elif record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    record._pii_masked = True


def install() -> None:
    """Mask every log record created from now on in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _mask_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
