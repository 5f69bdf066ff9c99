"""The client speaks every 两定 transaction from the catalogue: input validated by its declaration, output read by
its output model — against the simulator, which checks the spec on its own."""

from __future__ import annotations

import pytest

from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.errors import Rejected
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

ZHANG_SAN = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "psn_cert_type": "01",
             "certno": "36010219800101001X", "psn_name": "张三"}


@pytest.fixture
def client():
    with SimServer(SimState(auth_mode="none")) as sim:
        yield HsaClient(HsaSettings(base_url=sim.url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                                    mdtrtarea_admvs="360100", recer_sys_code="his", auth="none", opter="sf001",
                                    opter_name="收费员", ip="127.0.0.1"))


def test_1101_then_2001_read_by_their_output_models(client: HsaClient) -> None:
    person, answer = client.request("1101", ZHANG_SAN)
    assert answer.infcode == 0 and person.baseinfo.psn_name == "张三"
    insu = person.insuinfo[0]
    assert insu.insutype == "310" and insu.balc > 0
    check, _ = client.request("2001", {"psn_no": person.baseinfo.psn_no, "insutype": insu.insutype,
                                       "fixmedins_code": "H36010000001", "med_type": "11",
                                       "begntime": "2026-11-29 09:00:00"}, insuplc_admdvs=insu.insuplc_admdvs)
    assert check.trtinfo and check.trtinfo[0].psn_no == person.baseinfo.psn_no


def test_a_refusal_carries_the_platforms_words(client: HsaClient) -> None:
    with pytest.raises(Rejected) as exc:
        client.request("1101", {**ZHANG_SAN, "mdtrt_cert_no": "360102000000000000", "certno": "360102000000000000"})
    assert exc.value.err_msg
