# wuxing — two commands: `make run` and `make test`. Everything else is optional.
# `make run` serves like production (gunicorn, whitenoise, DEBUG off) with the demo accounts switched on;
# `make dev` is Django's auto-reloading development server with DEBUG on.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run dev collectstatic test install dev-install static migrate demo lint typecheck bench bench-import bench-load lock messages clean help

help:
	@echo "make run    安装、迁移、加载北关区演示数据并以生产方式（gunicorn，DEBUG 关闭）启动 http://$(HOST):$(PORT)"
	@echo "make dev    同上，但使用自动重载的开发服务器（DEBUG 开启）"
	@echo "make test   安装开发依赖并运行全部测试（DATABASE_URL=postgres://… 则在 PostgreSQL 上运行）"
	@echo "make lint   ruff + mypy;  make bench / make bench-import  性能基准;  make lock  重新生成锁文件"

$(BIN)/python:
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), "需要 Python 3.11，当前为 %s" % sys.version.split()[0]'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.base-installed: requirements/base.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.base-installed
	$(BIN)/pip install --quiet -r requirements/dev.lock
	@touch $@

install: $(VENV)/.base-installed static
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || \
		echo "提示：未找到 Noto Sans CJK 字体，PDF（星级卡片、评定报告）中的中文无法显示。请安装：apt-get install fonts-noto-cjk"
dev-install: $(VENV)/.dev-installed static

# Front-end libraries come from the npm registry at install time and are never committed.
static: wuxing/static/vendor/.installed
wuxing/static/vendor/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && \
		mkdir -p wuxing/static/vendor && \
		cp node_modules/htmx.org/dist/htmx.min.js wuxing/static/vendor/ && \
		cp node_modules/echarts/dist/echarts.min.js wuxing/static/vendor/ && \
		touch $@; \
	else \
		echo "提示：未找到 npm，页面将不使用 htmx 的局部刷新，首页图表只显示数据表（功能不受影响）。安装 Node.js/npm 后重新运行。"; \
	fi

migrate: install
	$(BIN)/wuxing migrate --no-input -v 0

demo: migrate
	$(BIN)/wuxing load_demo

# Static files (the project's and the npm ones) into $(WUXING_VAR_DIR)/static, served by whitenoise.
collectstatic: install
	$(BIN)/wuxing collectstatic --no-input -v 0

# Production-shaped: a real WSGI server, DEBUG off (Chinese error pages, never Django's debug page), the
# demo accounts enabled by WUXING_DEMO=1. Plain HTTP on this machine, so cookies are not HTTPS-only here.
run: demo collectstatic
	@echo "打开 http://$(HOST):$(PORT) ，用上面的演示账号登录。按 Ctrl+C 停止。"
	DJANGO_DEBUG=0 WUXING_DEMO=1 SECURE_COOKIES=0 $(BIN)/gunicorn wuxing.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WORKERS) --threads 4 --access-logfile - --log-level warning

# Development: Django's auto-reloading server with DEBUG on (technical error pages).
dev: demo
	@echo "开发模式（DEBUG 开启）：打开 http://$(HOST):$(PORT) 。按 Ctrl+C 停止。"
	DJANGO_DEBUG=1 WUXING_DEMO=1 $(BIN)/wuxing runserver $(HOST):$(PORT)

# Tests run on every core (pytest-xdist; each worker has its own test database and var/ directory).
# PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto
test: dev-install
	$(BIN)/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS)) $(PYTEST_ARGS)

lint: dev-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wuxing

bench: dev-install
	$(BIN)/python -m bench.rating $(BENCH_ARGS)

# A deadline day under load (locust, province-sized data in PostgreSQL): see bench/load.py.
bench-load: $(VENV)/.load-installed static
	$(BIN)/python -m bench.load $(BENCH_ARGS)

$(VENV)/.load-installed: requirements/load.lock $(VENV)/.dev-installed
	$(BIN)/pip install --quiet -r requirements/load.lock
	@touch $@

bench-import: dev-install
	$(BIN)/python -m bench.import_orgs $(BENCH_ARGS)

lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras -o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --extra dev -o requirements/dev.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --extra load -o requirements/load.lock pyproject.toml

# English catalogue: wuxing/locale/en/LC_MESSAGES/django.po (translate it) and django.mo; commit both.
messages: $(VENV)/.base-installed
	@command -v xgettext >/dev/null && command -v msgfmt >/dev/null || \
		{ echo "需要 GNU gettext（xgettext、msgfmt），如 apt-get install gettext"; exit 1; }
	cd wuxing && ../$(BIN)/wuxing makemessages -l en --no-obsolete --ignore "e2e/*" --ignore "*/tests/*"
	cd wuxing && ../$(BIN)/wuxing compilemessages -l en

clean:
	rm -rf $(VENV) node_modules wuxing/static/vendor .pytest_cache .mypy_cache .ruff_cache
