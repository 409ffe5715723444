# Makefile - build, test, demo and benchmark billsync.
#
#   make          build ./billsync
#   make check    every test (unit, end-to-end, emulator); ends "N passed, N failed"
#   make demo     billsync on the shipped samples against the local Salesforce emulator
#   make bench    the benchmarks (long; not part of check)
#   make clean    remove what the build made
#
# Libraries are found with pkg-config; what is missing is installed with
# apt-get first, so a fresh Debian machine needs nothing else.

ifeq ($(origin CC),default)
CC = gcc
endif
BUILD ?= build
BIN ?= billsync
PYTHON ?= python3

# pkg-config module:Debian package, for every library billsync links.
PC_DEPS := libcurl:libcurl4-openssl-dev zlib:zlib1g-dev libarchive:libarchive-dev \
	jansson:libjansson-dev sqlite3:libsqlite3-dev openssl:libssl-dev libisal:libisal-dev
# command:Debian package, for tools the build and the tests run.
TOOL_DEPS := gcc:gcc pkg-config:pkg-config python3:python3 gzip:gzip tar:tar \
	unzip:unzip zip:zip openssl:openssl
PC_MODS := $(foreach d,$(PC_DEPS),$(firstword $(subst :, ,$(d))))

WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings
BASE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) -g -MMD -MP
OPT_CFLAGS := -O2
SAN_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

LIB_SRC := $(sort $(wildcard formats/*.c) $(filter-out etl/main.c,$(wildcard etl/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
GEN_SRC := $(wildcard samples/*.c)

REL_OBJ := $(LIB_SRC:%.c=$(BUILD)/rel/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/bin/%)
GEN_BIN := $(if $(GEN_SRC),$(BUILD)/billsync-gen)

.PHONY: all check demo bench clean deps
.SECONDARY:
.DEFAULT_GOAL := all

all: $(BIN) $(GEN_BIN)

ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(BUILD)/config.mk
endif

# Installs what is missing, then records the compiler and linker flags.
$(BUILD)/config.mk: Makefile
	@mkdir -p $(BUILD)
	@missing=""; \
	for d in $(TOOL_DEPS); do command -v $${d%%:*} >/dev/null 2>&1 || missing="$$missing $${d#*:}"; done; \
	[ -f /usr/include/stdio.h ] || missing="$$missing libc6-dev"; \
	[ -f /usr/include/csv.h ] || missing="$$missing libcsv-dev"; \
	[ -d /usr/share/zoneinfo/Europe ] || missing="$$missing tzdata"; \
	[ -f /etc/ssl/certs/ca-certificates.crt ] || missing="$$missing ca-certificates"; \
	for d in $(PC_DEPS); do \
		command -v pkg-config >/dev/null 2>&1 && pkg-config --exists $${d%%:*} 2>/dev/null || missing="$$missing $${d#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	@{ echo "DEP_CFLAGS := $$(pkg-config --cflags $(PC_MODS))"; \
	   echo "DEP_LIBS := $$(pkg-config --libs $(PC_MODS)) -lcsv -lpthread -lm"; } > $@.tmp
	@mv $@.tmp $@

deps: $(BUILD)/config.mk

$(BUILD)/rel/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(DEP_CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(DEP_CFLAGS) -c $< -o $@

$(BIN): $(BUILD)/rel/etl/main.o $(REL_OBJ)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/san/billsync: $(BUILD)/san/etl/main.o $(SAN_OBJ)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/san/bin/%: $(BUILD)/san/tests/unit/%.o $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/billsync-gen: $(GEN_SRC:%.c=$(BUILD)/rel/%.o)
	$(CC) $(OPT_CFLAGS) -o $@ $^ -lm

check: all $(BUILD)/san/billsync $(UNIT_BIN)
	@BUILD=$(BUILD) BILLSYNC=$(BUILD)/san/billsync BILLSYNC_GEN=$(BUILD)/billsync-gen \
		PYTHON=$(PYTHON) sh tests/run-tests.sh

demo: all
	@BUILD=$(BUILD) BILLSYNC=./$(BIN) PYTHON=$(PYTHON) sh tests/demo.sh

bench: all $(BUILD)/statebench
	@BUILD=$(BUILD) BILLSYNC=./$(BIN) BILLSYNC_GEN=$(BUILD)/billsync-gen \
		PYTHON=$(PYTHON) sh tests/bench/run.sh

# the change store at scale (tests/bench/statebench.c), run by make bench
$(BUILD)/statebench: $(BUILD)/rel/tests/bench/statebench.o $(BUILD)/rel/etl/state.o \
		$(BUILD)/rel/formats/bs_err.o $(BUILD)/rel/formats/hash.o
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEP_LIBS)

clean:
	rm -rf $(BUILD) $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
