"""The one small stylesheet every hisbridge page uses (ledger pages, reports): inline, no CDN, Airflow's fonts."""

STYLE = """<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.9rem}
th{background:#f3f5f7}td.n{text-align:right}.note{color:#555}
.rejected,.unknown,.quarantined{color:#b00020}.acknowledged{color:#1b7f3b}
pre{background:#f7f7f7;padding:.5rem;white-space:pre-wrap;max-height:20rem;overflow:auto}</style>"""
