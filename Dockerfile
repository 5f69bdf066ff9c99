# hisbridge image: the official Airflow image + our pinned requirements, the hisbridge plugin package,
# the extraction SQL / feed mappings, the DAGs and the platform simulators.
#
#   docker compose build                     (tags it ${HISBRIDGE_IMAGE:-hisbridge-airflow:3.3.2})
#   docker build -t hisbridge-airflow:3.3.2 .
#
# One image serves every Airflow component (api-server, scheduler, dag-processor, triggerer, Celery workers,
# including a `his` queue worker on a host inside the hospital intranet) and the simulators (`demo` profile).
FROM apache/airflow:3.3.2-python3.11

# Dependencies first, so editing code does not re-run pip. The base image keeps Airflow in a virtualenv owned
# by the airflow user; install into it as that user (the documented way to extend the image). apache-airflow is
# pinned on the command line too: if requirements.txt ever names another Airflow than the base image, the build
# fails instead of silently up- or downgrading Airflow under the image's entrypoint.
USER airflow
COPY --chown=airflow:0 requirements.txt /tmp/hisbridge-requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/hisbridge-requirements.txt

# Code. /opt/airflow is AIRFLOW_HOME and the working directory; hisbridge.PROJECT_DIR resolves to it, so
# hisbridge finds include/sql and include/mappings at /opt/airflow/include. docker-compose.yaml bind-mounts
# dags/, plugins/ and include/ over these copies for development; a production host runs the image as built.
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 include/ /opt/airflow/include/
COPY --chown=airflow:0 simulators/ /opt/airflow/simulators/
COPY --chown=airflow:0 demo/ /opt/airflow/demo/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
# airflow-init applies the pools and variables of airflow_settings.yaml with this script.
COPY --chown=airflow:0 scripts/ /opt/airflow/scripts/
COPY --chown=airflow:0 airflow_settings.yaml /opt/airflow/airflow_settings.yaml

# plugins/ for `import hisbridge` in every process (Airflow adds it only for its own plugin loading),
# /opt/airflow for `python -m simulators.hsa`.
ENV PYTHONPATH=/opt/airflow/plugins:/opt/airflow
