# bedrock-chat-migrate: build, test and install.
#
#   make            the program (./bedrock-chat-migrate), -Wall -Wextra -Werror
#   make check      deps, program, ASan+UBSan unit tests, integration tests (over HTTPS)
#   make check-tls  the integration suite alone, twice: over HTTPS and over plain HTTP
#   make demo       deps, program, then the demo against a local emulator
#   make fuzz       libFuzzer targets, each for FUZZ_SECONDS
#   make bench      benchmarks (bench/results.json)
#   make install    PREFIX=/usr/local DESTDIR=
#   make dist       the release: bedrock-chat-migrate-VERSION-linux-ARCH.tar.gz (runs on any
#                   Linux with glibc >= 2.34; libraries, man page and catalog inside)

PROG      := bedrock-chat-migrate
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
PKGS      := ncursesw libcurl libcrypto libcjson libxml-2.0

# The only platform-specific part of the build (the sources' is src/util/platform.c). On
# macOS, Homebrew's ncurses, curl, OpenSSL and libxml2 are keg-only (their pkg-config files
# are outside the default path) and gettext's functions live in libintl, not in libc.
UNAME_S   := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
BREW      := $(shell brew --prefix 2>/dev/null)
export PKG_CONFIG_PATH := $(BREW)/opt/ncurses/lib/pkgconfig:$(BREW)/opt/curl/lib/pkgconfig:$(BREW)/opt/openssl@3/lib/pkgconfig:$(BREW)/opt/libxml2/lib/pkgconfig:$(PKG_CONFIG_PATH)
export PATH := $(BREW)/opt/gettext/bin:$(PATH)
PLATFORM_CFLAGS := -D_DARWIN_C_SOURCE -I$(BREW)/opt/gettext/include
PLATFORM_LIBS   := -L$(BREW)/opt/gettext/lib -lintl
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(PLATFORM_CFLAGS)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(PLATFORM_LIBS)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral -Wvla
DATADIR   := $(PREFIX)/share/$(PROG)
LOCALEDIR := $(PREFIX)/share/locale
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) -DBCM_DATADIR='"$(DATADIR)"' \
             -DBCM_LOCALEDIR='"$(LOCALEDIR)"'
CFLAGS    ?= -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRCS      := $(shell find src -name '*.c' | sort)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
OBJS      := $(LIB_SRCS:%.c=build/rel/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=build/san/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
VG_BINS   := $(UNIT_SRCS:tests/unit/%.c=build/tests-vg/%)
TEST_SUPPORT := $(wildcard tests/unit/support/*.c)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60
# The git revision --version prints: `git describe` in a clone, else the line `git archive`
# writes into .git-revision (export-subst), else "unknown". build/revision is rewritten only
# when the revision changes, so only app/version.o is rebuilt then.
REVISION  := $(shell [ -e .git ] && git describe --always --dirty --abbrev=12 2>/dev/null || \
               sed -n 's/^\([0-9a-f]\{7,40\}\)$$/\1/p' .git-revision 2>/dev/null)
REVISION  := $(or $(REVISION),unknown)
$(shell mkdir -p build && { [ "$$(cat build/revision 2>/dev/null)" = "$(REVISION)" ] || \
    echo "$(REVISION)" > build/revision; })
VERSION_OBJS := build/rel/src/app/version.o build/san/src/app/version.o build/fuzzobj/src/app/version.o
$(VERSION_OBJS): build/revision
$(VERSION_OBJS): BASE_CFLAGS += -DBCM_REVISION='"$(REVISION)"'
# The wizard's Japanese catalog (po/ja.po); the program finds build/locale beside itself.
JA_MO     := build/locale/ja/LC_MESSAGES/$(PROG).mo
# What `--demo` needs from an installed copy: the emulator, seed and simulator scripts.
DEMO_FILES := tests/integration/demo_env.py tests/integration/harness.py \
              tests/integration/seed.py tests/integration/simulator.py

.PHONY: all deps check check-tls unit integration demo fuzz bench install uninstall \
        clean screenshots san-prog fuzz-build-smoke fuzz-short lint dist check-dist

all: $(PROG) $(JA_MO)

deps:
	@scripts/deps.sh

$(PROG): build/rel/src/main.o build/librel.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/librel.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(JA_MO): po/ja.po
	@mkdir -p $(dir $@)
	msgfmt --check --check-format -o $@ $<

build/libsan.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS) -MMD -MP -c -o $@ $<

# The sanitised program, used by the integration tests.
build/san/$(PROG): build/san/src/main.o build/libsan.a | $(JA_MO)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

san-prog: build/san/$(PROG)

build/tests/%: tests/unit/%.c build/libsan.a $(TEST_SUPPORT) | $(JA_MO)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Itests/unit -O1 -g $(SAN_FLAGS) -o $@ $< $(TEST_SUPPORT) \
	    build/libsan.a $(PKG_LIBS) $(shell pkg-config --libs cmocka) -lm

# The same tests without sanitizers, for valgrind's memcheck.
build/tests-vg/%: tests/unit/%.c build/librel.a $(TEST_SUPPORT) | $(JA_MO)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Itests/unit -O1 -g -o $@ $< $(TEST_SUPPORT) \
	    build/librel.a $(PKG_LIBS) $(shell pkg-config --libs cmocka) -lm

unit: $(UNIT_BINS)

# Static analysis: cppcheck and clang-tidy (configuration in .clang-tidy and .lint/).
TIDY_FLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS)
lint:
	@cppcheck --quiet --enable=warning,portability,performance --std=c11 -Iinclude \
	    --library=posix --library=.lint/cjson.cfg \
	    --suppressions-list=.lint/cppcheck-suppressions.txt --inline-suppr \
	    --error-exitcode=1 -j2 src
	@printf '%s\n' $(SRCS) | xargs -P2 -n8 sh -c 'clang-tidy --quiet "$$@" -- $(TIDY_FLAGS) 2>&1 | \
	    grep -E "(warning|error):" ; exit 0' _ > build/lint-tidy.txt; \
	    if [ -s build/lint-tidy.txt ]; then cat build/lint-tidy.txt; exit 1; fi

# The integration suite runs once, over HTTPS: the emulator's endpoints and every fault
# proxy speak TLS with a certificate from a CA the run makes (tests/integration/tls_ca.py),
# trusted through AWS_CA_BUNDLE alone; the test servers that are plain HTTP by nature
# (container credentials, the web probe's site, the Data API, Service Quotas and Bedrock
# stand-ins)
# keep the program's plain-HTTP path in the same pass. One pass, not two: `check` must stay
# under 15 minutes on two cores.
# The builds `check` needs run on every core unless make was given its own -j (a plain
# `make check`, as CI runs it, would otherwise compile four variants on one core).
# (Expanded in the recipe: only there does MAKEFLAGS show a -j.)
CHECK_BUILD_JOBS = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))
check: deps
	@$(MAKE) --no-print-directory $(CHECK_BUILD_JOBS) $(PROG) $(JA_MO) build/san/$(PROG) $(UNIT_BINS) $(VG_BINS) fuzz-build-smoke dist
	@BCM_DIST_TARBALL=$(CURDIR)/$(DIST_TARBALL) python3 tests/runner.py --unit $(UNIT_BINS) --valgrind $(VG_BINS) \
	    --check "lint (cppcheck, clang-tidy)=$(MAKE) --no-print-directory -s lint" \
	    --check "fuzz every target for $(FUZZ_CHECK_SECONDS) s=$(MAKE) --no-print-directory -s fuzz-short" \
	    --check "duplicate launches guard (no SyncStatus QUEUED, no table writes)=scripts/guard-no-table-writes.sh" \
	    --check "layers (no include circles, curses in tui only)=scripts/check-layers.sh" \
	    --check "Linux-only calls only in src/util/platform.c=scripts/check-portable.sh" \
	    --integration tests/integration --program build/san/$(PROG)

# The integration suite alone, twice: over HTTPS (as `check` runs it) and over plain HTTP
# (BCM_TEST_TLS unset), sharing the runner's parallelism.
check-tls: deps
	@$(MAKE) --no-print-directory build/san/$(PROG)
	@python3 tests/runner.py --integration tests/integration --transport both --program build/san/$(PROG)

demo: deps $(PROG) $(JA_MO)
	@scripts/demo.sh ./$(PROG)

# The release tarball (scripts/dist.sh): the program, its man page and catalog, every
# shared library it loads except glibc's (found through an $$ORIGIN-relative run path),
# and terminfo for common terminals. libxml2 is linked in statically without ICU
# (scripts/dist/no_icu.c says why), so nothing in it needs a glibc newer than 2.34.
VERSION      := $(shell sed -n 's/^\#define BCM_VERSION "\(.*\)"$$/\1/p' include/app/version.h)
DIST_ARCH    ?= $(shell uname -m)
DIST_NAME    := $(PROG)-$(VERSION)-linux-$(DIST_ARCH)
DIST_TARBALL := $(DIST_NAME).tar.gz
XML2_A       := $(shell pkg-config --variable=libdir libxml-2.0 2>/dev/null)/libxml2.a
ICU_SUFFIX   := $(shell nm $(XML2_A) 2>/dev/null | sed -n 's/.* U ucnv_open_\([0-9]*\)$$/\1/p' | head -n 1)
DIST_LIBS    := $(filter-out -lxml2,$(PKG_LIBS)) $(XML2_A) -lz -llzma -lm

build/dist/no_icu.o: scripts/dist/no_icu.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -DICU_SUFFIX=$(or $(ICU_SUFFIX),72) -c -o $@ $<

build/dist/$(PROG): build/rel/src/main.o build/librel.a build/dist/no_icu.o
	$(CC) $(CFLAGS) -o $@ $^ $(DIST_LIBS) -Wl,--disable-new-dtags,-rpath,'$$ORIGIN/../lib'

dist: $(DIST_TARBALL)

$(DIST_TARBALL): build/dist/$(PROG) $(JA_MO) man/$(PROG).1 scripts/dist.sh
	@scripts/dist.sh build/dist/$(PROG) $(DIST_NAME)

# The tarball's own test (also part of `make check`): glibc symbol versions and a run in a
# root holding only glibc and the unpacked tarball.
check-dist: dist build/san/$(PROG)
	@cd tests/integration && BCM_DIST_TARBALL=$(CURDIR)/$(DIST_TARBALL) \
	    BCM_PROGRAM=$(CURDIR)/build/san/$(PROG) python3 -m unittest -v test_dist

# Fuzzing needs clang's libFuzzer; the smoke build in `check` makes sure the targets
# keep compiling and replays the committed corpus once. The library is instrumented once
# (fuzzer-no-link) and shared by every target.
FUZZ_CFLAGS := $(BASE_CFLAGS) -Wno-missing-prototypes -g -O1
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzzobj/%.o)

build/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

build/libfuzz.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/libfuzz.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build/libfuzz.a $(PKG_LIBS) -lm

fuzz-build-smoke: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); d=tests/fuzz/corpus/$${n#fuzz_}; mkdir -p $$d; \
	    $$f -runs=0 $$d >/dev/null 2>&1 || { echo "fuzz corpus replay failed: $$f"; exit 1; }; \
	done

# A short bounded fuzz of every target for `make check` (new inputs go under build/, the
# committed corpus is only read); `make fuzz` runs longer and grows the corpus.
FUZZ_CHECK_SECONDS ?= 10
fuzz-short: $(FUZZ_BINS)
	@printf '%s\n' $(FUZZ_BINS) | xargs -P2 -I{} sh -c 'n=$$(basename {}); \
	    d=tests/fuzz/corpus/$${n#fuzz_}; o=build/fuzz/short-$$n; mkdir -p $$o; \
	    {} -max_total_time=$(FUZZ_CHECK_SECONDS) -max_len=65536 -timeout=10 \
	        -artifact_prefix=build/fuzz/crash-$$n- $$o $$d >build/fuzz/short-$$n.log 2>&1 \
	    || { echo "fuzz: $$n found a problem:"; tail -n 30 build/fuzz/short-$$n.log; exit 255; }'

fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); d=tests/fuzz/corpus/$${n#fuzz_}; mkdir -p $$d; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $$d build/fuzz/new-$$n 2>&1 | tail -n 2; \
	done

bench: deps $(PROG)
	@python3 bench/bench.py --program ./$(PROG)

screenshots: deps $(PROG) $(JA_MO)
	@scripts/screenshots.sh ./$(PROG)

install: $(PROG) $(JA_MO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROG) $(DESTDIR)$(PREFIX)/bin/$(PROG)
	install -m 0644 man/$(PROG).1 $(DESTDIR)$(PREFIX)/share/man/man1/$(PROG).1
	install -d $(DESTDIR)$(DATADIR)/demo
	install -m 0644 $(DEMO_FILES) $(DESTDIR)$(DATADIR)/demo/
	install -d $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES
	install -m 0644 $(JA_MO) $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES/$(PROG).mo

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/$(PROG) $(DESTDIR)$(PREFIX)/share/man/man1/$(PROG).1
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES/$(PROG).mo

clean:
	rm -rf build $(PROG) $(PROG)-*-linux-*.tar.gz

-include $(shell find build -name '*.d' 2>/dev/null)
