# Makefile - build, test, demo and benchmark billsync.
#
#   make          build ./billsync
#   make check    every test (unit, end-to-end, emulator, fuzz corpora, source
#                 checks); ends "N passed, N failed"
#   make fuzz     fuzz each harness of tests/fuzz/ for FUZZ_SECONDS (clang)
#   make demo     billsync on the shipped samples against the local Salesforce emulator
#   make bench    the benchmarks (long; not part of check)
#   make clean    remove what the build made
#   make install  PREFIX=/usr/local DESTDIR= : the binary, man pages, bash
#                 completion, example configuration and systemd units
#   make uninstall  removes what install put there
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
	unzip:unzip zip:zip openssl:openssl mandoc:mandoc
PC_MODS := $(foreach d,$(PC_DEPS),$(firstword $(subst :, ,$(d))))
# Seconds to wait for apt's lock when another apt-get or dpkg holds it.
APT_LOCK_WAIT ?= 300

WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings
BASE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) -g -MMD -MP
OPT_CFLAGS := -O2
# float-cast-overflow is not part of gcc's undefined (it is of clang's)
SAN_CFLAGS := -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all

# The layers, bottom up.  Each folder builds as a static library and may call
# only the layers listed after it in LAYER_DEPS (tests/tree/layers.py checks every
# object's undefined symbols against that; unit tests link their own layer and
# those below, so a call upward is a link error).
LAYERS := formats base map export sf load state cmd
LAYER_DEPS_formats :=
LAYER_DEPS_base := formats
LAYER_DEPS_map := base formats
LAYER_DEPS_export := map base formats
LAYER_DEPS_sf := base formats
LAYER_DEPS_load := sf export map base formats
LAYER_DEPS_state := load sf export map base formats
LAYER_DEPS_cmd := state load sf export map base formats
layer_dir = $(if $(filter formats,$(1)),formats,etl/$(1))
layer_src = $(sort $(filter-out etl/cmd/main.c,$(wildcard $(call layer_dir,$(1))/*.c)))
# the archives a program of layer L links, L first
layer_libs = $(foreach l,$(1) $(LAYER_DEPS_$(1)),$(BUILD)/$(2)/lib$(l).a)

LIB_SRC := $(foreach l,$(LAYERS),$(call layer_src,$(l)))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
GEN_SRC := $(wildcard samples/gen/*.c)
INCLUDES := -I. -Ietl

UNIT_BIN := $(foreach t,$(UNIT_SRC),$(BUILD)/san/bin/$(basename $(notdir $(t))))
GEN_BIN := $(if $(GEN_SRC),$(BUILD)/billsync-gen)
REL_LIBS := $(call layer_libs,cmd,rel)
SAN_LIBS := $(call layer_libs,cmd,san)

.PHONY: all check demo bench clean deps install uninstall fuzz torture
.SECONDARY:
.DEFAULT_GOAL := all

all: $(BIN) $(GEN_BIN)

ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(BUILD)/config.mk
endif

# A recipe's shell commands that install the Debian packages listed in the
# shell variable $missing (" pkg1 pkg2") with apt-get, waiting up to
# APT_LOCK_WAIT s while another apt-get or dpkg holds apt's lock.
apt_install = echo "installing missing packages:$$missing"; \
	waited=0; \
	until out=$$( { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; } 2>&1 >/dev/null); do \
		case $$out in *"Could not get lock"*) ;; *) \
			echo "$$out" >&2; \
			echo "cannot install$$missing with apt-get (above); install them, then run make again" >&2; \
			exit 1 ;; esac; \
		if [ $$waited -ge $(APT_LOCK_WAIT) ]; then \
			echo "$$out" >&2; \
			echo "cannot install$$missing: apt is busy (another apt-get or dpkg has held its lock for $(APT_LOCK_WAIT) s); run make again when it is done" >&2; \
			exit 1; \
		fi; \
		[ $$waited -eq 0 ] && echo "apt is busy (another apt-get or dpkg holds its lock): waiting up to $(APT_LOCK_WAIT) s"; \
		sleep 5; waited=$$((waited + 5)); \
	done

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
	if [ -n "$$missing" ]; then $(apt_install); fi
	@{ echo "DEP_CFLAGS := $$(pkg-config --cflags $(PC_MODS))"; \
	   echo "DEP_LIBS := $$(pkg-config --libs $(PC_MODS)) -lcsv -lpthread -lm"; } > $@.tmp
	@mv $@.tmp $@

deps: $(BUILD)/config.mk

$(BUILD)/rel/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(INCLUDES) $(DEP_CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(INCLUDES) -Itests/unit $(DEP_CFLAGS) -c $< -o $@

# one archive per layer and build kind: $(BUILD)/rel/libmap.a ...
define layer_lib
$$(BUILD)/$(2)/lib$(1).a: $$(patsubst %.c,$$(BUILD)/$(2)/%.o,$$(call layer_src,$(1)))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach k,rel san fuzz,$(foreach l,$(LAYERS),$(eval $(call layer_lib,$(l),$(k)))))

$(BIN): $(BUILD)/rel/etl/cmd/main.o $(REL_LIBS)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/san/billsync: $(BUILD)/san/etl/cmd/main.o $(SAN_LIBS)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(DEP_LIBS)

# a unit test in tests/unit/LAYER/ links that layer and the ones below only
define unit_test
$$(BUILD)/san/bin/$(basename $(notdir $(1))): $$(BUILD)/san/$(1:.c=.o) $$(call layer_libs,$(notdir $(patsubst %/,%,$(dir $(1)))),san)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(DEP_LIBS)
endef
$(foreach t,$(UNIT_SRC),$(eval $(call unit_test,$(t))))

# the generator shares the project's calendar arithmetic and the reading of
# counts (etl/base: calendar.c, cli.c)
$(BUILD)/billsync-gen: $(GEN_SRC:%.c=$(BUILD)/rel/%.o) $(call layer_libs,base,rel)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEP_LIBS)

# Fuzz harnesses (tests/fuzz/fuzz_NAME.c, libFuzzer's entry point).  For make
# check each is built with gcc under ASan+UBSan and linked with a driver that
# replays tests/fuzz/corpus/NAME/ (zstd's regression driver); make fuzz builds
# them with clang -fsanitize=fuzzer and fuzzes each for FUZZ_SECONDS (new
# inputs go to $(BUILD)/fuzz/corpus/NAME, crashes to $(BUILD)/fuzz/).  A
# harness links the layer FUZZ_LAYER_NAME names and those below it (map when
# unnamed: formats, base and map).
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_LAYER_manifest := export
FUZZ_LAYER_sf := sf
FUZZ_LAYER_report := state
FUZZ_LAYER_describe := load
fuzz_libs = $(call layer_libs,$(or $(FUZZ_LAYER_$(1)),map),$(2))
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/san/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
CLANG ?= clang
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all

define fuzz_harness
$$(BUILD)/san/fuzz/fuzz_$(1): $$(BUILD)/san/tests/fuzz/fuzz_$(1).o $$(BUILD)/san/tests/fuzz/driver.o \
		$$(BUILD)/san/tests/fuzz/util.o $$(call fuzz_libs,$(1),san)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(DEP_LIBS)

$$(BUILD)/fuzz/bin/fuzz_$(1): $$(BUILD)/fuzz/tests/fuzz/fuzz_$(1).o $$(BUILD)/fuzz/tests/fuzz/util.o \
		$$(call fuzz_libs,$(1),fuzz)
	@mkdir -p $$(@D)
	$$(CLANG) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $$(DEP_LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_harness,$(n))))

# clang with libFuzzer's runtime, installed when missing, as config.mk does
# for the rest (only make fuzz needs it, so a plain build does not install it)
$(BUILD)/fuzz/clang.ok:
	@mkdir -p $(@D)
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return (int)(d && n) - 1; }\n' > $(@D)/probe.c
	@$(CLANG) -fsanitize=fuzzer $(@D)/probe.c -o $(@D)/probe >/dev/null 2>&1 || { \
		missing=" clang libclang-rt-dev"; $(apt_install); \
		$(CLANG) -fsanitize=fuzzer $(@D)/probe.c -o $(@D)/probe; }
	@touch $@

$(BUILD)/fuzz/%.o: %.c $(BUILD)/config.mk | $(BUILD)/fuzz/clang.ok
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(INCLUDES) $(DEP_CFLAGS) -c $< -o $@

fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/bin/fuzz_%)
	@for n in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		echo "fuzz_$$n: $(FUZZ_SECONDS) s, log in $(BUILD)/fuzz/fuzz_$$n.log"; \
		ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} $(BUILD)/fuzz/bin/fuzz_$$n \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/fuzz_$$n- \
			$(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			> $(BUILD)/fuzz/fuzz_$$n.log 2>&1 || { tail -n 60 $(BUILD)/fuzz/fuzz_$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_runs|^#[0-9]+.*DONE' $(BUILD)/fuzz/fuzz_$$n.log | tail -n 2; \
	done

# A test-only billsync whose allocations can be made to fail, one at a time
# (tests/alloc/failmalloc.c; tests/e2e/t90_alloc.sh sweeps them): every
# allocation of billsync's own objects, and of jansson's, goes through the
# wrapper.
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
$(BUILD)/san/billsync-failmalloc: $(BUILD)/san/etl/cmd/main.o \
		$(BUILD)/san/tests/alloc/failmalloc.o $(SAN_LIBS)
	$(CC) $(SAN_CFLAGS) $(ALLOC_WRAP) -o $@ $^ $(DEP_LIBS)

# every allocation of the export of the samples failed in turn (several
# minutes; make check fails each call site once)
torture: all $(BUILD)/san/billsync-failmalloc
	@ALLOC_SWEEP=every BUILD=$(BUILD) BILLSYNC=$(BUILD)/san/billsync \
		PYTHON=$(PYTHON) sh tests/e2e/t90_alloc.sh
	@ALLOC_SWEEP=every BUILD=$(BUILD) BILLSYNC=$(BUILD)/san/billsync \
		PYTHON=$(PYTHON) sh tests/e2e/t91_alloc_load.sh

check: all $(BUILD)/san/billsync $(BUILD)/san/billsync-failmalloc $(UNIT_BIN) $(FUZZ_BIN)
	@BUILD=$(BUILD) BILLSYNC=$(BUILD)/san/billsync BILLSYNC_GEN=$(BUILD)/billsync-gen \
		PYTHON=$(PYTHON) sh tests/run-tests.sh

# the demo builds quietly: only errors show
demo:
	@$(MAKE) --no-print-directory -s all
	@BUILD=$(BUILD) BILLSYNC=./$(BIN) PYTHON=$(PYTHON) sh tests/demo.sh

bench: all $(BUILD)/statebench
	@BUILD=$(BUILD) BILLSYNC=./$(BIN) BILLSYNC_GEN=$(BUILD)/billsync-gen \
		PYTHON=$(PYTHON) sh tests/bench/run.sh

# the change store at scale (tests/bench/statebench.c), run by make bench
$(BUILD)/statebench: $(BUILD)/rel/tests/bench/statebench.o $(call layer_libs,state,rel)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEP_LIBS)

clean:
	rm -rf $(BUILD) $(BIN)

# Installing: PREFIX where, DESTDIR a staging root (packages, tests).
PREFIX ?= /usr/local
BINDIR := $(PREFIX)/bin
MANDIR := $(PREFIX)/share/man
COMPDIR := $(PREFIX)/share/bash-completion/completions
DOCDIR := $(PREFIX)/share/doc/billsync
MAN1 := $(wildcard docs/man/*.1)
MAN5 := $(wildcard docs/man/*.5)
DOCS := README.md $(wildcard docs/*.md)
MAPS := $(wildcard mappings/*.map)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(COMPDIR) $(DESTDIR)$(DOCDIR)/mappings
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/billsync
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 docs/completion/billsync.bash $(DESTDIR)$(COMPDIR)/billsync
	install -m 644 docs/examples/billsync.conf $(DESTDIR)$(DOCDIR)/billsync.conf.example
	sed 's|@BINDIR@|$(BINDIR)|g' docs/examples/billsync.service > $(DESTDIR)$(DOCDIR)/billsync.service
	chmod 644 $(DESTDIR)$(DOCDIR)/billsync.service
	install -m 644 docs/examples/billsync.timer $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 $(MAPS) $(DESTDIR)$(DOCDIR)/mappings/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/billsync $(DESTDIR)$(COMPDIR)/billsync
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -rf $(DESTDIR)$(DOCDIR)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
