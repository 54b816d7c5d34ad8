# SPDX-License-Identifier: MIT
# wgc: plain Makefile. `make` builds, `make check` runs every test,
# `make asan` runs the suite under AddressSanitizer + UBSan, `make fuzz`
# runs the libFuzzer targets. Quiet unless V=1; -Werror when CI is set.

BUILD ?= build
CC ?= cc
PKGS := libcrypto libsodium libcap libseccomp libmnl libqrencode libpng libmicrohttpd json-c
# the one place the version is set: wgc --version, wgcd --version; debian/changelog must agree
VERSION := 0.1.0

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wformat=2 -Wno-unused-parameter -fno-strict-aliasing -pthread \
	  -D_GNU_SOURCE -MMD -MP -Isrc
override CFLAGS += -DWGC_VERSION='"$(VERSION)"'
ifneq ($(CI),)
override CFLAGS += -Werror
endif
ifneq ($(SAN),)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lsodium -lcap -lseccomp -lmnl -lqrencode -lpng -lmicrohttpd -ljson-c) -pthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

CORE_SRC := $(wildcard src/core/*.c)
COMMON_SRC := $(wildcard src/common/*.c)
IPC_SRC := $(wildcard src/ipc/*.c)
PROVISION_SRC := $(wildcard src/provision/*.c)
DAEMON_SRC := $(wildcard src/daemon/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPER_SRC := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
TOOL_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
CORE_LIB := $(BUILD)/libwgccore.a
COMMON_LIB := $(BUILD)/libwgccommon.a
IPC_LIB := $(BUILD)/libwgcipc.a
PROVISION_LIB := $(BUILD)/libwgcprovision.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
PROGRAMS := $(if $(wildcard src/daemon/main.c),$(BUILD)/wgcd) $(if $(CLI_SRC),$(BUILD)/wgc)

all: $(PROGRAMS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

$(BUILD)/%.o: %.c | $(BUILD)/.build-deps-ok
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Before the first compile: the compiler and every library in PKGS present,
# or a list of the exact Debian packages missing (`make deps` installs them).
$(BUILD)/.build-deps-ok: Makefile scripts/check-build-deps.sh
	$(Q)CC="$(CC)" scripts/check-build-deps.sh $(PKGS)
	@mkdir -p $(@D) && touch $@
# the version is compiled into these two
$(BUILD)/src/daemon/main.o $(BUILD)/src/cli/wgc.o: Makefile

$(CORE_LIB): $(call obj,$(CORE_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(IPC_LIB): $(call obj,$(IPC_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# provision (hub, peers, QR codes) sits between common and the programs
$(PROVISION_LIB): $(call obj,$(PROVISION_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

LIBS := $(PROVISION_LIB) $(IPC_LIB) $(COMMON_LIB) $(CORE_LIB)

$(BUILD)/wgcd: $(call obj,$(DAEMON_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/wgc: $(call obj,$(CLI_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# tests of the daemon's modules link them, all but its main()
DAEMON_LIB_OBJS := $(call obj,$(filter-out src/daemon/main.c,$(DAEMON_SRC)))
$(BUILD)/tests/test_daemon_%: $(BUILD)/tests/unit/test_daemon_%.o $(DAEMON_LIB_OBJS) $(call obj,$(UNIT_HELPER_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(call obj,$(UNIT_HELPER_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	$(Q)scripts/install-deps.sh

version:
	@echo $(VERSION)

# --- install: PREFIX (default /usr/local) and DESTDIR, as usual ---------------
# Every unit in contrib/systemd and every man page in doc/ is installed, so a
# new one needs no edit here; units get /usr/bin/ rewritten to $(BINDIR)/.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_BINS := wgc wgcd
INSTALL_MANS := $(wildcard doc/*.[1-8])
INSTALL_UNITS := $(wildcard contrib/systemd/*.service contrib/systemd/*.timer contrib/systemd/*.socket \
	contrib/systemd/*.path)
INSTALL_COMPS := $(wildcard contrib/bash-completion/*)

programs: $(PROGRAMS)

install: $(PROGRAMS)
	$(Q)set -e; \
	for b in $(INSTALL_BINS); do install -D -m 0755 $(BUILD)/$$b "$(DESTDIR)$(BINDIR)/$$b"; done; \
	for m in $(INSTALL_MANS); do \
		s=$${m##*.}; install -D -m 0644 $$m "$(DESTDIR)$(MANDIR)/man$$s/$${m##*/}"; done; \
	for c in $(INSTALL_COMPS); do install -D -m 0644 $$c "$(DESTDIR)$(BASHCOMPDIR)/$${c##*/}"; done; \
	for u in $(INSTALL_UNITS); do \
		install -d "$(DESTDIR)$(SYSTEMDUNITDIR)"; \
		sed 's|/usr/bin/|$(BINDIR)/|g' $$u >"$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}"; \
		chmod 0644 "$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}"; done

uninstall:
	$(Q)for b in $(INSTALL_BINS); do rm -f "$(DESTDIR)$(BINDIR)/$$b"; done; \
	for m in $(INSTALL_MANS); do s=$${m##*.}; rm -f "$(DESTDIR)$(MANDIR)/man$$s/$${m##*/}"; done; \
	for c in $(INSTALL_COMPS); do rm -f "$(DESTDIR)$(BASHCOMPDIR)/$${c##*/}"; done; \
	for u in $(INSTALL_UNITS); do rm -f "$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}"; done

# The Debian package, built from a copy of the tree in $(DEB_DIR) (the
# .deb lands there; the tree stays clean). Unit tests only, -j2.
DEB_DIR ?= $(BUILD)/deb
deb:
	$(Q)scripts/build-deb.sh "$(DEB_DIR)"

# unit tests only; NO_NETNS=1 skips those that create network namespaces
# (they need root): the Debian package build runs `make check-unit NO_NETNS=1`
UNIT_NETNS := test_daemon_tun test_daemon_udp
check-unit: $(PROGRAMS) $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) UNIT_SKIP="$(if $(NO_NETNS),$(UNIT_NETNS))" tests/run.sh unit

# T selects test groups (unit, net, slow); the default runs unit and net.
# T=kernel runs tests/kernel: wgc against the kernel module in a QEMU guest.
check: deps check-layers
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/run.sh $(T)

# lower layers never include higher ones; the UAPI client only behind src/ipc/
check-layers:
	$(Q)scripts/check-layers.sh --self-test >/dev/null || scripts/check-layers.sh --self-test
	$(Q)scripts/check-layers.sh

# the network tests while stress-ng --cpu 2 keeps both cores busy (not run by CI)
check-stress: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/check-stress.sh $(T)

asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS="-O1 -g" check

# unit tests under valgrind memcheck (scaled-down random tests: WGC_TEST_QUICK)
valgrind: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-vg CFLAGS="-O1 -g" all
	$(Q)BUILD=build-vg VALGRIND=1 WGC_TEST_QUICK=1 tests/run.sh unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

clean:
	rm -rf build build-asan build-fuzz build-vg

.PHONY: all deps check check-layers check-stress asan valgrind demo clean fuzz fuzz-build
.PHONY: version programs install uninstall deb check-unit
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
include fuzz/fuzz.mk
