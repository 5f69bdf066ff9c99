"""国家医保 (national medical-insurance) platform: message models, transaction catalogue and client.

``models`` (pydantic bodies) · ``catalogue`` (transactions as data) · ``envelope`` (公共输入/输出参数) ·
``auth`` (gateway headers) · ``msgid`` (发送方报文ID) · ``errors`` (what happened to a message) · ``client`` ·
``hooks`` (the Airflow hook; the only module that imports Airflow).
"""
