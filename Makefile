# The README's commands. Everything runs from the project's own .venv; nothing is installed by hand.
PYTHON_BASE ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

export AIRFLOW_HOME ?= $(CURDIR)/data/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export GX_ANALYTICS_ENABLED := False

DEMO := $(CURDIR)/data/demo
DAG := consolidate_provincial_reports

.PHONY: demo run check show ui report test lint clean bench
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(VENV)/installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	$(PYTHON_BASE) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

$(AIRFLOW_HOME)/airflow.db: $(VENV)/installed deploy/airflow/pools.json
	mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/migrate.log; exit 1)
	$(VENV)/bin/airflow pools import deploy/airflow/pools.json >> $(AIRFLOW_HOME)/migrate.log 2>&1 \
		|| (cat $(AIRFLOW_HOME)/migrate.log; exit 1)

# make demo's settings: all of them under data/demo
define demo_settings
$(1): export REPORTS_LANDING := $(DEMO)/landing
$(1): export REPORTS_LAKE := $(DEMO)/lake
$(1): export REPORTS_WAREHOUSE := duckdb:///$(DEMO)/warehouse.duckdb
$(1): export REPORTS_SITE := $(DEMO)/site
$(1): export REPORTS_OUTBOX := $(DEMO)/outbox
endef
$(eval $(call demo_settings,demo))

# `make show` and `make report` read the demo's warehouse when ./data has none and REPORTS_WAREHOUSE is unset
ifeq ($(origin REPORTS_WAREHOUSE)$(wildcard $(CURDIR)/data/warehouse.duckdb),undefined)
ifneq ($(wildcard $(DEMO)/warehouse.duckdb),)
$(eval $(call demo_settings,show report))
READS := make demo's warehouse, $(DEMO) (./data has none; REPORTS_WAREHOUSE to read another)
endif
endif

## demo: fresh sample submissions from the provinces, one DAG run, the national totals, and one release of
## 2025-01 through publish_national_totals, its sign-off answered over Airflow's REST API (DEMO_API_PORT)
DEMO_API_PORT ?= 8794
demo: export REPORTS_PSEUDONYM_KEY ?= demo-only-pseudonym-key-not-a-secret
demo: export REPORTS_TASK_RETRIES ?= 0
demo: $(VENV)/installed
	rm -rf $(DEMO)
	$(PY) -m provincial_reports.cli samples $(REPORTS_LANDING)
	@$(MAKE) --no-print-directory -s check $(AIRFLOW_HOME)/airflow.db run-dag
	@$(PY) -m provincial_reports.cli demo-release winter_warmth 2025-01 $(AIRFLOW_HOME) --port $(DEMO_API_PORT)

## run: one DAG run over whatever REPORTS_* point at (defaults under ./data); the settings checked first;
## no retries (REPORTS_TASK_RETRIES=0): a failure `check` could not foresee shows at once, not after 2 × 2 min
run: export REPORTS_TASK_RETRIES ?= 0
run: $(VENV)/installed
	@$(MAKE) --no-print-directory -s check $(AIRFLOW_HOME)/airflow.db run-dag

## check: the settings a run needs (landing, lake, warehouse, expectations), one line per problem
check: $(VENV)/installed
	@$(PY) -m provincial_reports.cli check

# One log per run under $(AIRFLOW_HOME)/runs (last.log links to the newest); progress while it works.
.PHONY: run-dag
run-dag:
	@$(PY) -m provincial_reports.cli run-dag $(DAG) $(AIRFLOW_HOME)/runs
	@$(PY) -m provincial_reports.cli show

## show: every file's answer and the national totals, from the warehouse
show: $(VENV)/installed
	$(if $(READS),@echo "Reading $(READS)")
	@$(PY) -m provincial_reports.cli show

## ui: the Airflow UI on this machine, over the same AIRFLOW_HOME and REPORTS_* as `make run`
## (api-server, scheduler, dag-processor and triggerer: Airflow's own `standalone`); Ctrl-C stops it
UI_PORT ?= 8080
ui: export AIRFLOW__API__PORT := $(UI_PORT)
ui: export AIRFLOW__API__BASE_URL := http://localhost:$(UI_PORT)
ui: export AIRFLOW__CORE__EXECUTION_API_SERVER_URL := http://localhost:$(UI_PORT)/execution/
ui: $(VENV)/installed $(AIRFLOW_HOME)/airflow.db
	@echo "Airflow UI: http://localhost:$(UI_PORT)/  user admin, password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/airflow standalone

## report: rebuild the report site (REPORTS_SITE, default ./data/site) from the warehouse, reprocessing nothing
report: $(VENV)/installed
	$(if $(READS),@echo "Reading $(READS)")
	$(PY) -m provincial_reports.cli report

# The browser test drives Debian's headless Chromium; CJK fonts so that Chinese labels render.
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk

## test: the whole suite, in TEST_PROCESSES processes (default 2, one per core; creates .venv and
## installs Chromium first if needed)
TEST_PROCESSES ?= 2
test: $(VENV)/installed /usr/bin/chromium
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder

## bench: ROWS records (relief_disbursements rows, default 10 million, 31 provinces) through the pipeline,
## against DuckDB's own CSV-to-Parquet floor, the naive pandas way and the required work alone;
## each ROUNDS times (default 3); writes the medians to bench/results.json
ROWS ?= 10000000
ROUNDS ?= 3
bench: $(VENV)/installed
	$(PY) bench/run.py --rows $(ROWS) --rounds $(ROUNDS)

## bench-latency: upload → answer under the real scheduler (the compose stack's Airflow on Celery, Redis,
## PostgreSQL): 31 uploads at random moments over LATENCY_MINUTES (default 5), the idle cost, a mapped
## task's overhead; writes bench/latency.json
.PHONY: bench-latency
LATENCY_MINUTES ?= 5
bench-latency: $(VENV)/installed
	$(PY) bench/latency.py --minutes $(LATENCY_MINUTES) --idle-minutes $(LATENCY_MINUTES)

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf data/demo data/airflow
