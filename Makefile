# pgticket: a PGXS build of the extension, plus the targets that build the
# nginx module and run the local stack and the tests.
#
#   make run     install what is missing, build, start PostgreSQL and nginx,
#                load the demo data
#   make test    everything, on ports of its own; ends with "N passed, M failed"
#   make stop    stop what `make run` started
#   make clean-run  stop, and delete the demo cluster and its data
#   make psql    psql on the demo database (SQL="select ..." runs one query)
#   make bench   throughput of the REST API beside pgbench on the same SQL

MODULE_big = pgticket
OBJS = $(patsubst %.c,%.o,$(wildcard extension/src/*.c))
MODULEDIR = extension

# The install script of the current version is assembled from the parts in
# extension/install/, in file-name order; upgrade scripts are written by hand.
INSTALL_PARTS = $(sort $(wildcard extension/install/*.sql))
DATA_built = extension/pgticket--1.0.sql
DATA = extension/pgticket.control \
	$(filter-out $(DATA_built), $(wildcard extension/pgticket--*--*.sql))

REGRESS = schema workflow transition assign message rating sla numbering \
	roles report errors helpdesk
REGRESS_OPTS = --inputdir=. --load-extension=pgticket

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Iextension/src
# -Wno-unused-parameter: PostgreSQL's own headers trip it (ilist.h, bufpage.h)
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter
SHLIB_LINK =

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

extension/pgticket--1.0.sql: $(INSTALL_PARTS)
	@{ echo "-- generated from extension/install/*.sql: edit those"; \
	   printf '%s\n' '\echo Use "CREATE EXTENSION pgticket" to load this file. \quit'; \
	   for f in $^; do echo; echo "-- $$f"; cat $$f; done; } > $@

RUN_DIR = $(CURDIR)/.run
PGPORT_DEMO = $(or $(PGPORT),54329)
HTTP_PORT = $(or $(PORT),8080)

.PHONY: deps build-all nginx-module run stop clean-run psql test bench \
	check-style

deps:
	@tests/stack.sh deps

build-all: deps
	@$(MAKE) -s all
	@$(MAKE) -s install >/dev/null
	@nginx-module/build.sh

nginx-module:
	@nginx-module/build.sh

run: build-all
	@tests/stack.sh pg-start $(RUN_DIR) $(PGPORT_DEMO)
	@tests/stack.sh db-setup $(RUN_DIR) $(PGPORT_DEMO) pgticket
	@tests/stack.sh demo-load $(RUN_DIR) $(PGPORT_DEMO) pgticket
	@tests/stack.sh nginx-conf $(RUN_DIR) $(HTTP_PORT) $(PGPORT_DEMO) pgticket
	@tests/stack.sh nginx-start $(RUN_DIR)
	@tests/stack.sh wait-http http://127.0.0.1:$(HTTP_PORT)/pgticket_status
	@echo "pgticket is up: http://127.0.0.1:$(HTTP_PORT)  (make psql, make stop)"

stop:
	@tests/stack.sh nginx-stop $(RUN_DIR)
	@tests/stack.sh pg-stop $(RUN_DIR)

# the demo cluster and its data go; the next `make run` starts afresh
clean-run: stop
	@rm -rf $(RUN_DIR)

psql:
	@tests/stack.sh as-owner psql -X -h $(RUN_DIR) -p $(PGPORT_DEMO) \
		-U postgres -d pgticket $(if $(SQL),-c "$(SQL)")

test: build-all
	@tests/run-tests.sh

bench: build-all
	@tests/bench.sh

check-style:
	@! grep -nP '\t' nginx-module/*.[ch] || { echo "tabs in nginx-module"; exit 1; }
	@! grep -nE '.{81,}' nginx-module/*.[ch] || { echo "lines over 80 columns in nginx-module"; exit 1; }
