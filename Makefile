# SPDX-License-Identifier: MIT
# bootherd build. All output goes under build/. `make V=1` is verbose, `make SANITIZE=1` builds
# with ASan and UBSan (into build/asan so the two never mix).

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

CC       ?= cc
CLANG    ?= clang
PKGS     := liburing yaml-0.1 sqlite3 libhs libbpf libxdp
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
TRIPLE   := $(shell $(CC) -dumpmachine 2>/dev/null)
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

ifeq ($(SANITIZE),1)
B        := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
else
B        := build
SANFLAGS :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
	    -Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE -pthread \
	    -DBOOTHERD_VERSION='"$(VERSION)"' -Isrc -Ibpf -I$(B)/gen $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS  += -pthread $(SANFLAGS)
LDLIBS   += $(PKG_LIBS)

ifneq ($(V),1)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
msg =
endif

SRCS     := $(shell find src -name '*.c' | sort)
OBJS     := $(SRCS:%.c=$(B)/obj/%.o)
LIB_OBJS := $(filter-out $(B)/obj/src/main.o,$(OBJS))
DEPS     := $(OBJS:.o=.d)

UNIT_SRCS := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all deps run test unit fuzz bench clean
all: $(B)/bootherd

$(B)/bootherd: $(OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The XDP program (bpf/), compiled for the BPF target, and the skeleton the loader includes.
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(wildcard bpf/*.bpf.c))
BPF_SKELS := $(patsubst $(B)/bpf/%.bpf.o,$(B)/gen/%.skel.h,$(BPF_OBJS))

$(B)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O2 -g -target bpf -Wall -Wno-unused-function -I/usr/include/$(TRIPLE) \
		-Ibpf -c -o $@ $<

$(B)/gen/%.skel.h: $(B)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf >$@

$(OBJS): | $(BPF_SKELS)
.SECONDARY: $(BPF_OBJS)

$(B)/obj/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# A unit test tests/unit/DIR/test_NAME.c includes src/DIR/NAME.c (to reach its statics), so it
# links every other object but that one.
define unit_rule
$(B)/tests/unit/$(1): tests/unit/$(1).c $(LIB_OBJS) tests/unit/check.h
	$$(call msg,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CFLAGS) -Itests/unit -MMD -MP -o $$@ $$< \
		$$(filter-out $(B)/obj/src/$(dir $(1))$(patsubst test_%,%,$(notdir $(1))).o,$$(LIB_OBJS)) \
		$$(LDFLAGS) $$(LDLIBS)
endef
$(foreach t,$(UNIT_SRCS:tests/unit/%.c=%),$(eval $(call unit_rule,$(t))))

# BPF tests (tests/bpf/) include the service and the loader they drive, like unit tests do.
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
BPF_TEST_BINS := $(BPF_TEST_SRCS:tests/bpf/%.c=$(B)/tests/bpf/%)
$(B)/tests/bpf/%: tests/bpf/%.c $(LIB_OBJS) tests/unit/check.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -MMD -MP -o $@ $< \
		$(filter-out $(B)/obj/src/svc/dhcp.o $(B)/obj/src/xdp/xdp.o,$(LIB_OBJS)) \
		$(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BINS) $(BPF_TEST_BINS)

# libFuzzer drivers include the .c files they exercise and build standalone with clang.
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(SRCS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -DBOOTHERD_VERSION='"fuzz"' -Isrc \
		$(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(PKG_LIBS) -pthread

fuzz: $(FUZZ_BINS)

# Load generators for bench/: each is one C file.
BENCH_BINS := $(patsubst bench/%.c,build/bench/bin/%,$(wildcard bench/*.c))
build/bench/bin/%: bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -o $@ $<

# bench/match.c measures src/match/match.c itself, so it is built with that one module.
build/bench/bin/match: bench/match.c src/match/match.c src/match/match.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -pthread \
		-Isrc $(PKG_CFLAGS) -o $@ bench/match.c src/match/match.c $(PKG_LIBS)

# bench/bootstorm/ (several files): the boot-storm harness, built by `make test` (its 20-node
# test) and `make bench` with the other load generators.
BOOTSTORM_SRCS := $(wildcard bench/bootstorm/*.c)
BENCH_BINS += build/bench/bin/bootstorm
build/bench/bin/bootstorm: $(BOOTSTORM_SRCS) $(wildcard bench/bootstorm/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -pthread \
		$(shell pkg-config --cflags libxxhash) -o $@ $(BOOTSTORM_SRCS) \
		$(shell pkg-config --libs libxxhash) -lm

deps:
	$(Q)scripts/deps.sh

# deps first, then a fresh make: pkg-config flags are read when a make starts, so the build
# must start after the packages are in.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-demo.sh $(B)/bootherd

test: deps
	$(Q)$(MAKE) --no-print-directory all unit fuzz $(BENCH_BINS)
	$(Q)tests/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)bench/run.sh

clean:
	rm -rf build

-include $(DEPS) $(UNIT_BINS:=.d) $(BPF_TEST_BINS:=.d)
