# The official Airflow image plus the project's dependencies, pinned exactly as in the tests:
# requirements.txt under constraints.txt (see docker-compose.yaml). Code (dags/, plugins/,
# expectations/, sql/) is mounted by docker-compose.yaml, not copied, so a code change needs no rebuild.
FROM apache/airflow:3.3.2

COPY requirements.txt constraints.txt /

# As the airflow user, as the image's documentation requires. Naming apache-airflow==$AIRFLOW_VERSION
# (set by the base image) makes pip fail rather than silently change the Airflow it ships.
USER airflow
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /requirements.txt -c /constraints.txt
