# The official Airflow image plus the project's dependencies, pinned exactly as in the tests:
# requirements.txt under constraints.txt (see docker-compose.yaml), then the project's own package.
FROM apache/airflow:3.3.2

COPY requirements.txt constraints.txt /

# As the airflow user, as the image's documentation requires. Naming apache-airflow==$AIRFLOW_VERSION
# (set by the base image) makes pip fail rather than silently change the Airflow it ships.
USER airflow
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /requirements.txt -c /constraints.txt

# The package, installed without dependencies (they are pinned above) and in editable mode, so that
# docker-compose.yaml can mount the checkout's src/, sql/ and expectations/ over these copies.
# dags/ and plugins/ (Airflow's own folders) are mounted, not copied.
COPY --chown=airflow:0 pyproject.toml /opt/reports/
COPY --chown=airflow:0 src /opt/reports/src
COPY --chown=airflow:0 sql /opt/reports/sql
COPY --chown=airflow:0 expectations /opt/reports/expectations
RUN pip install --no-cache-dir --no-deps -e /opt/reports
