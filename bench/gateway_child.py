"""The 医保 gateway as production runs it (uvicorn, several workers), wired from environment variables for the
benchmark: ``HB_BENCH_LEDGER`` (SQLAlchemy URL) and ``HB_BENCH_PLATFORM`` (the simulator's base URL).

    HB_BENCH_LEDGER=… HB_BENCH_PLATFORM=… python -m uvicorn gateway_child:app --factory --workers 2 --port 8099
"""

from __future__ import annotations

import os

from common import add_project_paths

add_project_paths()

SETTINGS = dict(fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院", mdtrtarea_admvs="360100",
                recer_sys_code="his", auth="none", opter="bench", opter_name="基准测试", ip="127.0.0.1")


def app():
    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.hsa.client import HsaSettings
    from hisbridge.platforms.hsa.gateway.app import create_gateway_app
    from hisbridge.platforms.hsa.gateway.service import HsaGateway
    from hisbridge.platforms.hsa.gateway.wiring import GATEWAY_POOL, ClientsPerOperator

    def gateway() -> HsaGateway:
        ledger = Ledger(make_engine(os.environ["HB_BENCH_LEDGER"], **GATEWAY_POOL))
        settings = HsaSettings(base_url=os.environ["HB_BENCH_PLATFORM"], **SETTINGS)
        return HsaGateway(ledger, ClientsPerOperator(settings, ledger))

    return create_gateway_app(gateway)
