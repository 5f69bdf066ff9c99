"""HIS item → platform item (DataCode) for 开单提醒, from the same 对照 the upload feeds use.

``include/mappings/mutual_items.yaml`` is the lab's and radiology's 项目对照, read by every mutual_* feed through
``code_files``; the service reads it with the feeds' own loader (:func:`~hisbridge.pipeline.spec.shared_codes`),
so an item the lab maps is found by the uploads and the reminders at once, and an unmapped one is unmapped for
both. Maps used: ``lab_data_code`` / ``lab_data_name`` (LIS: the lab panel being ordered) and ``exam_data_code`` /
``exam_data_name`` (PACS: the exam item). The ID type a reminder asks with is ``id_card_type`` of
``mutual_codes.yaml`` — what the uploads send as IdCardTypeCode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import shared_codes

CODE_FILES = ["mutual_codes.yaml", "mutual_items.yaml"]
#: item type → (code map, name map)
MAPS = {"LIS": ("lab_data_code", "lab_data_name"), "PACS": ("exam_data_code", "exam_data_name")}


@dataclass(frozen=True)
class ItemMap:
    codes: Mapping[str, Mapping[str, str]]

    def lookup(self, his_code: str, item_type: str) -> tuple[str, str | None] | None:
        """``(DataCode, DataName)`` of a HIS item of ``item_type`` (LIS / PACS), or ``None`` when unmapped."""
        code_map, name_map = MAPS[item_type]
        code = self.codes.get(code_map, {}).get(his_code)
        if not code:
            return None
        return code, self.codes.get(name_map, {}).get(his_code)

    @property
    def id_types(self) -> Mapping[str, str]:
        """HIS ID type → IdCardTypeCode (what the uploads send)."""
        return self.codes.get("id_card_type", {})


def load_item_map(mappings_dir: Path = MAPPINGS_DIR) -> ItemMap:
    return ItemMap(shared_codes(CODE_FILES, mappings_dir))
