"""
### 医保 · 基金自查

每天凌晨检查**前一天医保结算**（结算时间在当天、未撤销）的全部费用明细（不含已退费），按
`include/mappings/hsa_fund_self_check.yaml` 中的规则找出医保检查、飞行检查会查出的问题：限性别、限年龄、
按日收费项目重复收费、超每日限量、出院后计费、住院期间门诊费用、超限定支付范围等。不调用医保平台。

- **结果**：报表 `hsa_fund_self_check/<日期>`（Excel 与网页，台账页面“报表”中查看）：概要、规则一览、每条规则
  一张问题明细表（结算、项目、涉及金额、问题说明、核查要点）。同一天重跑结果相同。
- **规则说明与新增规则**：`docs/hsa_fund_self_check.md`。某条规则执行失败时，报表照常生成并标明，任务失败。
- **回填**：清除某天的运行即按当时的数据重新生成该天的报表。
- **负责人**：hisbridge 医保接口组（规则内容：医保办）
"""

from airflow.sdk import dag

from hisbridge.operators import HsaJobOperator
from hisbridge.scheduling import go_live, nightly, platform_default_args


@dag(dag_id="hsa_fund_self_check", dag_display_name="医保·基金自查", doc_md=__doc__, schedule=nightly(),
     start_date=go_live(), catchup=True, max_active_runs=1, default_args=platform_default_args("hsa_platform"),
     tags=["hisbridge", "hsa", "settlement"])
def hsa_fund_self_check():
    HsaJobOperator(task_id="self_check", task_display_name="按自查规则检查当天结算的费用明细",
                   job="hisbridge.platforms.hsa.self_check:run")


hsa_fund_self_check()
