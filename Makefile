# pgticket: a PGXS build of the extension, plus the targets that build the
# nginx module and run the local stack and the tests.
#
#   make run     install what is missing, build, start PostgreSQL and nginx,
#                load the demo data (PORT=8080 PGPORT=54329 by default)
#   make test    everything, on ports of its own; ends with "N passed, M failed"
#                (T="tests/t/NNN-x.t ...": only those HTTP tests)
#   make stop    stop what `make run` started
#   make clean-run  stop, and delete the demo cluster and its data
#   make psql    psql on the demo database (SQL="select ..." runs one query)
#   make bench   throughput of the REST API beside pgbench on the same SQL
#   make bench-instructions  instructions per call of each facade
#                (callgrind, repeatable), on the data make bench left
#   make fuzz    libFuzzer over the token verification and the module's
#                request parsing (FUZZ_TIME=60 seconds each)
#   make test-asan  the HTTP tests against the module built with ASan+UBSan
#                (T="tests/t/NNN-x.t ...": only those)
#   make stress  each fault (database down, killed backend, lock, reload,
#                pool exhausted) under load, with figures; never fails
#   make help    this list

MODULE_big = pgticket
OBJS = $(patsubst %.c,%.o,$(wildcard extension/src/*.c))
MODULEDIR = extension

# Versions.  pgticket--1.0.sql is 1.0 as it was released: never edit it.
# The install script of the current version is assembled from the parts in
# extension/install/, in file-name order.  The update script from 1.0 runs a
# hand-written delta (extension/update/1.0--1.1.sql: what only an update
# needs, such as dropping a function whose signature changed), then the
# parts listed in UPDATE_1_1: those new in 1.1, and those changed since 1.0,
# which are written to run again over their 1.0 objects (CREATE OR REPLACE,
# IF NOT EXISTS).  sql/upgrade.sql proves that an updated 1.0 and a fresh
# install have the same catalog.
EXT_VERSION = 1.1
INSTALL_PARTS = $(sort $(wildcard extension/install/*.sql))
UPDATE_1_1 = \
	extension/update/1.0--1.1.sql \
	extension/install/15_shipped_config.sql \
	extension/install/16_sla_policy_bound.sql \
	extension/install/20_core.sql \
	extension/install/31_report_comments.sql \
	extension/install/40_request.sql \
	extension/install/45_token.sql \
	extension/install/50_api_helpdesk.sql \
	extension/install/52_ticket_list_indexes.sql \
	extension/install/60_api_resume.sql \
	extension/install/61_api_crm.sql \
	extension/install/62_api_queue.sql \
	extension/install/63_api_workshop.sql \
	extension/install/70_report_queue.sql \
	extension/install/80_foreign_key_indexes.sql \
	extension/install/90_roles.sql
DATA_built = extension/pgticket--$(EXT_VERSION).sql \
	extension/pgticket--1.0--1.1.sql
DATA = extension/pgticket.control extension/pgticket--1.0.sql

REGRESS = schema workflow transition assign message rating sla numbering \
	roles report errors helpdesk token resume crm queue queue_list workshop input \
	comments upgrade
REGRESS_OPTS = --inputdir=. --load-extension=pgticket

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Iextension/src
# -Wno-unused-parameter: PostgreSQL's own headers trip it (ilist.h, bufpage.h)
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter
SHLIB_LINK =

# make bench's PROFILE (seconds of profiling) is not PGXS's PROFILE
# (compiler flags): keep it out of the build, and hand it to the bench
BENCH_PROFILE := $(PROFILE)
override undefine PROFILE
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

# assemble PARTS GUARD: the parts in order, behind psql's guard line
define assemble
	@{ echo "-- generated from $(1): edit those"; \
	   printf '%s\n' '\echo Use "$(2)" to load this file. \quit'; \
	   for f in $(filter %.sql,$^); do echo; echo "-- $$f"; cat $$f; done; } > $@
endef

# the directory too: a part removed makes the script out of date
extension/pgticket--$(EXT_VERSION).sql: $(INSTALL_PARTS) extension/install
	$(call assemble,extension/install/*.sql,CREATE EXTENSION pgticket)

extension/pgticket--1.0--1.1.sql: $(UPDATE_1_1) Makefile
	$(call assemble,the UPDATE_1_1 list of the Makefile,ALTER EXTENSION pgticket UPDATE)

RUN_DIR = $(CURDIR)/.run
PGPORT_DEMO = $(or $(PGPORT),54329)
HTTP_PORT = $(or $(PORT),8080)

.PHONY: deps build-all nginx-module run stop clean-run psql test bench \
	bench-instructions stress check-style fuzz test-asan help

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
	@tests/stack.sh stop $(RUN_DIR)

# the demo cluster and its data go; the next `make run` starts afresh
clean-run: stop
	@rm -rf $(RUN_DIR)

# the port the demo cluster runs on (line 4 of postmaster.pid), so that
# `make psql` finds it whatever PGPORT= `make run` was given; SQL= reaches
# psql through the environment, so it may hold any quote
psql:
	@tests/stack.sh as-owner psql -X -h $(RUN_DIR) -p $(or $(PGPORT),$(shell \
		sed -n 4p $(RUN_DIR)/pgdata/postmaster.pid 2>/dev/null),54329) \
		-U postgres -d pgticket $(if $(SQL),-c "$$SQL")

# T="tests/t/010-helpdesk.t ...": only those HTTP tests
test: build-all
	@tests/run-tests.sh $(T)

bench: build-all
	@$(if $(BENCH_PROFILE),PROFILE='$(BENCH_PROFILE)') tests/bench/run.sh

# instructions per call of each facade (callgrind), on make bench's data
bench-instructions: build-all
	@tests/bench/instructions.sh

# each fault under load, with figures; reports, never fails (not in make test)
stress: build-all
	@tests/stress.pl

fuzz: deps
	@tests/fuzz/run.sh

test-asan: deps
	@$(MAKE) -s all
	@$(MAKE) -s install >/dev/null
	@tests/asan.sh $(T)

# the list of targets at the top of this file
help:
	@sed -n '/^#   make run/,/^$$/{/^$$/d;s/^#//;p}' $(firstword $(MAKEFILE_LIST))

check-style:
	@! grep -nP '\t' nginx-module/*.[ch] || { echo "tabs in nginx-module"; exit 1; }
	@! grep -nE '.{81,}' nginx-module/*.[ch] || { echo "lines over 80 columns in nginx-module"; exit 1; }
