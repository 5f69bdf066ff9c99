"""``python -m hisbridge <command>``: ledger (list failures, re-queue), alerts (incidents), demo, queue-views, the
医保 gateway, the 医保 catalogue table, the CDC front-end's DDL, the 互认 platform's docs and workstation service, the city brain's hospital-side API."""

from __future__ import annotations

import signal
import sys

COMMANDS = {
    "ledger": ("hisbridge.ledger.cli", "投递台账：汇总、失败清单、记录详情、重新排队"),
    "alerts": ("hisbridge.ops.alerts.cli", "告警：未恢复/全部告警列表（list）、一条告警的详情与发送记录（show）、认领（ack）"),
    "demo": ("demo.run", "在内置 SQLite HIS 与各平台模拟器上跑一遍全部接口与医保夜间任务"),
    "queue-views": ("hisbridge.platforms.queue.cli", "候诊叫号视图：安装与契约检查"),
    "gateway": ("hisbridge.platforms.hsa.gateway.cli", "医保实时网关：令牌、冲正未决交易、独立运行"),
    "hsa-catalogue": ("hisbridge.platforms.hsa.catalogue_doc", "医保交易目录：生成文档中的交易表"),
    "cdc": ("hisbridge.platforms.cdc.cli", "传染病监测预警前置软件：建表脚本（ddl）与表文档（doc）"),
    "mutual": ("hisbridge.platforms.mutual.cli", "省检查检验结果互认平台：接口文档（doc）与工作站服务（serve）"),
    "city-brain": ("hisbridge.platforms.city_brain.cli", "城市大脑·先诊疗后付费：医院接口（serve）与接口文档（doc）"),
    "jiulonghu": ("hisbridge.platforms.jiulonghu.cli", "九龙湖院区：字典同步（sync）、冲突处理（conflicts / resolve）、导出（export）"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m hisbridge {" + "|".join(COMMANDS) + "} ...\n")
        for name, (_, help_text) in COMMANDS.items():
            print(f"  {name:12s} {help_text}")
        return 0 if argv[:1] in ([], ["-h"], ["--help"]) else 2
    module = __import__(COMMANDS[argv[0]][0], fromlist=["main"])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    if hasattr(signal, "SIGPIPE"):  # `python -m hisbridge ledger failures | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
