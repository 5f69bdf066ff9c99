"""城市大脑·先诊疗后付费 (platform ``city_brain``): the hospital-side API the city brain calls, the pushes
(医院数据推送通知) and the history capture (医院历史数据抓取).

The API: ``catalogue.py`` — every endpoint as data (declared in ``endpoints/<area>.py``) · ``fields.py`` — the
reusable wire types · ``envelope.py`` — the signed request envelope and the answer · ``signing.py`` — SM3 /
SHA-256 / HMAC-SHA256 signatures · ``answers.py`` — answer codes as data
(``include/mappings/city_brain_answers.yaml``) · ``settings.py`` — callers and limits from the connection
``city_brain_api`` · ``guard.py`` — the checks before anything is read · ``executor.py`` — an endpoint's SQL on the
HIS, paged · ``service.py`` — one call from body to answer, journalled · ``app.py`` — the FastAPI app ·
``wiring.py`` — built from Airflow's connections · ``doc.py`` — ``docs/city_brain_api.md`` · ``cli.py`` —
``python -m hisbridge city-brain``.
"""
