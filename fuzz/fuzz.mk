# SPDX-License-Identifier: MIT
# The libFuzzer targets, included from the Makefile:
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_packet ..."]
#
# Every fuzz/fuzz_*.c becomes $(FUZZ_BUILD)/fuzz_*, linked with the core and
# common sources (never a main() of the daemon or CLI) compiled once with
# coverage instrumentation, plus the extra sources a target names in
# FUZZ_EXTRA_<target>. fuzz/run.sh then runs each on a scratch copy of its
# seed corpus fuzz/corpus/<name without fuzz_>/ and fails if any crashes.

FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Isrc -Itests/unit \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_LDLIBS := $(shell pkg-config --libs libcrypto libsodium libmnl json-c 2>/dev/null || echo -lcrypto -lsodium -lmnl -ljson-c) -pthread

FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_LIB_SRC := $(wildcard src/core/*.c) $(wildcard src/common/*.c)
fuzz_obj = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))

# Sources beyond the core and common ones; none of them has a main().
FUZZ_EXTRA_fuzz_packet := tests/unit/memnet.c
FUZZ_EXTRA_fuzz_tun_watch := src/daemon/tun.c
FUZZ_EXTRA_fuzz_offload := src/daemon/offload.c
FUZZ_EXTRA_fuzz_quick_comments := src/cli/quick_comments.c
FUZZ_EXTRA_fuzz_quick_conf := src/cli/quick_conf.c
FUZZ_EXTRA_fuzz_hubfile := src/provision/hubfile.c
FUZZ_EXTRA_fuzz_wake := src/provision/wake.c src/provision/hubfile.c

$(FUZZ_BUILD)/obj/%.o: %.c
	$(call msg,FUZZCC,$<)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

define fuzz_link
$(FUZZ_BUILD)/$(1): $(call fuzz_obj,fuzz/$(1).c $(FUZZ_EXTRA_$(1)) $(FUZZ_LIB_SRC))
	$$(call msg,FUZZLD,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LDLIBS)
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_link,$(t))))

fuzz-build: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_NAMES))

fuzz: fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh -t $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
