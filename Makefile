# Copyright (c) 2026 The rnixd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# rnixd: a privilege-separated, Nix-compatible store and build daemon.
# GNU make.  Everything built lands under obj/; sources stay clean.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/rnixd
MANDIR	?= $(PREFIX)/share/man

CC	?= cc
PKG_CONFIG ?= pkg-config
OBJ	:= obj

# pkg-config is only consulted when building, not for deps/clean.
COMMON_PKGS := libbsd-overlay libcrypto
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(COMMON_PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(COMMON_PKGS) 2>/dev/null)
# Headers of the libraries only some programs link: asked apart, so that
# one missing .pc file cannot drop the flags of the others above.
PKG_CFLAGS += $(shell $(PKG_CONFIG) --cflags sqlite3 libevent libseccomp \
	      jansson 2>/dev/null)

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	   -Wmissing-prototypes -Wstrict-prototypes
CFLAGS	?= -O2 -g
# Each function in its own section: the executables' link drops what
# they never call (--gc-sections), so a process carries no code it
# does not run.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I common $(PKG_CFLAGS) \
	     -ffunction-sections -fdata-sections
PROG_LDFLAGS := -Wl,--gc-sections
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all

# The Nix client codec (worker protocol as clients speak it) is linked
# only by the process that serves clients, and by tests and fuzzers:
# the root parent and mountproc must not carry it (regress/msg/link.sh).
CLIENT_SRCS := common/wire.c
COMMON_SRCS := $(filter-out $(CLIENT_SRCS),$(sort $(wildcard common/*.c)))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o)
COMMON_ASAN_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/asan/%.o)
LIBCOMMON := $(OBJ)/libcommon.a
LIBCOMMON_ASAN := $(OBJ)/asan/libcommon.a
LIBCLIENT := $(OBJ)/libclient.a
LIBCLIENT_ASAN := $(OBJ)/asan/libclient.a

# Unit tests: regress/<dir>/t_<name>.c, each one program, built plain
# and with ASan+UBSan.
UNIT_SRCS := $(sort $(wildcard regress/*/t_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(OBJ)/%)
UNIT_ASAN_BINS := $(UNIT_SRCS:%.c=$(OBJ)/asan/%)
# Helper programs for shell tests: regress/<dir>/h_*.c
HELPER_SRCS := $(sort $(wildcard regress/*/h_*.c))
HELPER_BINS := $(HELPER_SRCS:%.c=$(OBJ)/%)
# Benchmark programs: bench/*.c
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:%.c=$(OBJ)/%)

.PHONY: all deps check check-asan regress bench lint man-lint demo \
	install clean
.SUFFIXES:

all: $(LIBCOMMON) $(LIBCLIENT) progs

# -MMD -MP: each object records the headers it includes (obj/**/*.d),
# so a change to any header, common or a process's own, rebuilds what
# uses it.
$(OBJ)/%.o: %.c | objdirs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/asan/%.o: %.c | objdirs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

$(LIBCOMMON): $(COMMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(LIBCOMMON_ASAN): $(COMMON_ASAN_OBJS)
	rm -f $@
	ar rcs $@ $^

$(LIBCLIENT): $(CLIENT_SRCS:%.c=$(OBJ)/%.o)
	rm -f $@
	ar rcs $@ $^

$(LIBCLIENT_ASAN): $(CLIENT_SRCS:%.c=$(OBJ)/asan/%.o)
	rm -f $@
	ar rcs $@ $^

objdirs:
	@mkdir -p $(OBJ)/bin $(OBJ)/libexec/rnixd $(OBJ)/asan
.PHONY: objdirs

# One executable per process directory, built once it has sources:
# prog_rule(name, directory, extra pkg-config packages joined by +,
# "client" if it links the client codec).
define prog_rule
$(1)_DIR := $(2)
$(1)_LIB := $(if $(4),$(LIBCLIENT)) $(LIBCOMMON)
$(1)_ASAN_LIB := $(if $(4),$(LIBCLIENT_ASAN)) $(LIBCOMMON_ASAN)
$(1)_SRCS := $$(sort $$(wildcard $(2)/*.c))
$(1)_OBJS := $$($(1)_SRCS:%.c=$(OBJ)/%.o)
$(1)_PKGS := $(subst +, ,$(3))
$(1)_BIN := $(if $(filter parent,$(2)),$(OBJ)/bin/$(1),$(OBJ)/libexec/rnixd/$(1))
$$($(1)_BIN): $$($(1)_OBJS) $$($(1)_LIB)
	$$(CC) $$(ALL_CFLAGS) $(PROG_LDFLAGS) -o $$@ $$($(1)_OBJS) \
	    $$($(1)_LIB) \
	    $$(if $$($(1)_PKGS),$$(shell $$(PKG_CONFIG) --libs $$($(1)_PKGS))) \
	    $$(PKG_LIBS)
PROG_BINS += $$(if $$($(1)_SRCS),$$($(1)_BIN))
# The same under obj/asan/, with ASan and UBSan, for regress/asan.
$(1)_ASAN_BIN := $$(patsubst $(OBJ)/%,$(OBJ)/asan/%,$$($(1)_BIN))
$$($(1)_ASAN_BIN): $$($(1)_SRCS:%.c=$(OBJ)/asan/%.o) $$($(1)_ASAN_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $(SAN_FLAGS) -o $$@ \
	    $$($(1)_SRCS:%.c=$(OBJ)/asan/%.o) $$($(1)_ASAN_LIB) \
	    $$(if $$($(1)_PKGS),$$(shell $$(PKG_CONFIG) --libs $$($(1)_PKGS))) \
	    $$(PKG_LIBS)
PROG_ASAN_BINS += $$(if $$($(1)_SRCS),$$($(1)_ASAN_BIN))
endef
$(eval $(call prog_rule,rnixd,parent,))
$(eval $(call prog_rule,rnixd-storeproc,storeproc,sqlite3+libevent+libseccomp))
$(eval $(call prog_rule,rnixd-builderproc,builderproc,libevent+libseccomp+jansson,client))
$(eval $(call prog_rule,rnixd-mountproc,mountproc,libseccomp))
$(eval $(call prog_rule,rnixd-spawner,spawner,libseccomp))

# rnixd-builtin runs as the builder of builtin: derivations, inside
# the sandbox, which holds no dynamic loader and no library: it is
# linked statically, with its own files and libarchive only (no
# libcommon).  Sanitizers need a loader too, so the ASan tree gets
# the plain program.
BUILTIN_SRCS := $(sort $(wildcard builtin/*.c))
BUILTIN_OBJS := $(BUILTIN_SRCS:%.c=$(OBJ)/%.o)
BUILTIN_BIN := $(OBJ)/libexec/rnixd/rnixd-builtin
BUILTIN_LIBS = $(shell $(PKG_CONFIG) --static --libs libarchive \
	       libbsd 2>/dev/null)
$(BUILTIN_BIN): $(BUILTIN_OBJS)
	$(CC) $(ALL_CFLAGS) -static -Wl,--gc-sections -o $@ \
	    $(BUILTIN_OBJS) $(BUILTIN_LIBS)
$(OBJ)/asan/libexec/rnixd/rnixd-builtin: $(BUILTIN_BIN)
	@mkdir -p $(@D)
	cp $(BUILTIN_BIN) $@
PROG_BINS += $(BUILTIN_BIN)
PROG_ASAN_BINS += $(OBJ)/asan/libexec/rnixd/rnixd-builtin

progs: $(PROG_BINS)
progs-asan: $(PROG_ASAN_BINS)
.PHONY: progs progs-asan

# Unit tests may need libseccomp, libevent (imsgev) or sqlite3; linking
# them is harmless.  A unit test of a process's own file (storeproc's
# database code, say) names it in a "/* link: <file.c> ... */" line (or
# "// link: <file.c> ..."), alone on its line.  The test links that
# file's object, built by the rules above: it depends on its own source,
# libcommon and those objects, each of which has its own .d file.
TEST_LIBS = $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs libseccomp libevent \
	    sqlite3 libarchive jansson 2>/dev/null)
test_links = $(shell sed -n -e 's|^/\* link: \(.*\) \*/$$|\1|p' \
	     -e 's|^// link: \(.*\)$$|\1|p' $(1))
# test_objs(source, object directory)
test_objs = $(patsubst %.c,$(2)/%.o,$(call test_links,$(1)))

# Below, $$ in a prerequisite list is expanded once the stem is known.
.SECONDEXPANSION:
$(OBJ)/regress/%: regress/%.c $(LIBCLIENT) $(LIBCOMMON) \
    $$(call test_objs,regress/$$*.c,$(OBJ))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(call test_objs,$<,$(OBJ)) \
	    $(LIBCLIENT) $(LIBCOMMON) $(TEST_LIBS)

$(OBJ)/asan/regress/%: regress/%.c $(LIBCLIENT_ASAN) $(LIBCOMMON_ASAN) \
    $$(call test_objs,regress/$$*.c,$(OBJ)/asan)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -o $@ $< \
	    $(call test_objs,$<,$(OBJ)/asan) $(LIBCLIENT_ASAN) \
	    $(LIBCOMMON_ASAN) $(TEST_LIBS)

$(OBJ)/bench/%: bench/%.c $(LIBCLIENT) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBCLIENT) $(LIBCOMMON) $(PKG_LIBS)

# Fuzz targets: fuzz/f_<name>.c, each a libFuzzer program built with
# clang, ASan and UBSan over its own build of common/ (obj/fuzz/).  A
# target that tests a process's own files names them in a
# "/* link: ... */" line, as unit tests do.  Without clang they are
# left out and their replay test skips.
FUZZ_CC	?= $(shell command -v clang-14 || command -v clang)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Wno-unused-command-line-argument \
	      -Wno-missing-field-initializers \
	      -O1 -g -I common -I fuzz $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_SRCS := $(sort $(wildcard fuzz/f_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(OBJ)/fuzz/bin/%)
FUZZ_COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/fuzz/%.o) \
		    $(CLIENT_SRCS:%.c=$(OBJ)/fuzz/%.o) \
		    $(OBJ)/fuzz/fuzz/fuzz_util.o
FUZZ_SECONDS ?= 20

$(OBJ)/fuzz/%.o: %.c | objdirs
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
	    -c -o $@ $<

$(OBJ)/fuzz/libcommon.a: $(FUZZ_COMMON_OBJS)
	rm -f $@
	ar rcs $@ $^

# The objects a fuzz target links belong to no program: make would
# delete them as intermediate files, and build them again next time.
.SECONDARY: $(foreach f,$(FUZZ_SRCS),$(call test_objs,$(f),$(OBJ)/fuzz))
$(OBJ)/fuzz/bin/%: fuzz/%.c $(OBJ)/fuzz/libcommon.a \
    $$(call test_objs,fuzz/$$*.c,$(OBJ)/fuzz)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
	    $(call test_objs,$<,$(OBJ)/fuzz) $(OBJ)/fuzz/libcommon.a \
	    $(TEST_LIBS)

fuzz-build: $(if $(FUZZ_CC),$(FUZZ_BINS))
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh
.PHONY: fuzz fuzz-build

regress: all $(UNIT_BINS) $(UNIT_ASAN_BINS) $(HELPER_BINS) progs-asan \
	 fuzz-build

deps:
	@sh mk/deps.sh

check: deps
	@$(MAKE) --no-print-directory regress
	@sh regress/run

bench: deps
	@$(MAKE) --no-print-directory all $(HELPER_BINS) $(BENCH_BINS)
	@sh bench/run

demo: deps
	@$(MAKE) --no-print-directory all
	@sh mk/demo.sh

lint:
	@sh mk/lint.sh

man-lint:
	mandoc -Tlint -Wwarning man/*

install: all
	@sh mk/install.sh "$(DESTDIR)" "$(SBINDIR)" "$(LIBEXECDIR)" "$(MANDIR)"

# Removes what install put in place; not the config, users or store.
uninstall:
	@sh mk/install.sh -u "$(DESTDIR)" "$(SBINDIR)" "$(LIBEXECDIR)" \
	    "$(MANDIR)"
.PHONY: uninstall

clean:
	rm -rf $(OBJ)
