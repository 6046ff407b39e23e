# rc-tools - the one build system.  `make check` runs everything CI runs.
VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions

CC       ?= cc
# The flags the code needs; CFLAGS from the user add to them.
RC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
	-Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings \
	-Wshadow -Wpointer-arith -Wformat=2 \
	-Wno-missing-field-initializers -Ilib
ifeq ($(WERROR),1)
RC_CFLAGS += -Werror
endif
LDLIBS_ALL = -lhiredis -lm -lpthread
# A tool that needs more names it here: LDLIBS_rc-repl = -ledit
LDLIBS_rc-repl = -ledit

# B is the build directory: "." for the normal build, build/asan for the
# sanitizer build, so both can live side by side.
B ?= .
LIBSRC  = $(filter-out lib/lua.c,$(sort $(wildcard lib/*.c)))
LIBOBJ  = $(patsubst %.c,$(B)/%.o,$(LIBSRC))
# A one-job tool is bin/rc-NAME.c; a tool with commands is a directory
# bin/NAME/ (main.c, one file per command family, NAME.h shared by them),
# built into bin/rc-NAME beside the others.
TOOLSRC  = $(sort $(wildcard bin/rc-*.c))
TOOLDIRS = $(sort $(patsubst bin/%/main.c,%,$(wildcard bin/*/main.c)))
TOOLNAMES = $(patsubst bin/%.c,%,$(TOOLSRC)) $(addprefix rc-,$(TOOLDIRS))
TOOLS   = $(addprefix $(B)/bin/,$(TOOLNAMES))
UNITSRC = $(sort $(wildcard tests/unit/*.c))
UNITS   = $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNITSRC))
LUASRC  = $(sort $(wildcard lib/lua/*.lua))

.PHONY: all deps check test unit units probes cli hiredis1 labs-check lint man-lint shellcheck asan \
	asan-build asan-unit asan-cli fuzz bench unguarded demo install uninstall clean

COMPLETION = completion/rc-tools.bash completion/_rc-tools
all: $(TOOLS) $(COMPLETION)

# Completion is generated from the built tools' own tables (--rc-spec), with
# the generic function of completion/generic.*; a tool without a table yet,
# and rc-cluster, keep their hand-written completion/parts.  Built once, from
# the tools of this build ($(B)/bin).
completion/rc-tools.bash: $(TOOLS) tools/completion.sh completion/generic.bash \
		$(wildcard completion/parts/*.bash)
	sh tools/completion.sh bash completion/parts $(TOOLS) > $@.tmp && mv $@.tmp $@
completion/_rc-tools: $(TOOLS) tools/completion.sh completion/generic.zsh \
		$(wildcard completion/parts/*.zsh)
	sh tools/completion.sh zsh completion/parts $(TOOLS) > $@.tmp && mv $@.tmp $@

$(B)/lib/%.o: lib/%.c lib/rc.h $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(RC_CFLAGS) $(CFLAGS) -c -o $@ $<

# Lua scripts are real files, embedded as C strings (lib/lua/x.lua -> rc_lua_x).
$(B)/lib/lua.c: $(LUASRC) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh $(LUASRC) > $@

$(B)/lib/lua.o: $(B)/lib/lua.c
	$(CC) $(RC_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/lib/librc.a: $(LIBOBJ) $(B)/lib/lua.o
	rm -f $@
	$(AR) rcs $@ $^

$(B)/bin/%: bin/%.c $(B)/lib/librc.a
	@mkdir -p $(dir $@)
	$(CC) $(RC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/librc.a \
		$(LDLIBS_$*) $(LDLIBS_ALL) $(LDLIBS)

$(B)/bin/%.o: bin/%.c lib/rc.h
	@mkdir -p $(dir $@)
	$(CC) $(RC_CFLAGS) $(CFLAGS) -Ibin/$(patsubst %/,%,$(dir $*)) -c -o $@ $<

# bin/NAME/*.o -> bin/rc-NAME; every object of a tool depends on its headers.
define dir_tool
$(B)/bin/rc-$(1): $(patsubst %.c,$(B)/%.o,$(wildcard bin/$(1)/*.c)) $(B)/lib/librc.a
	$$(CC) $$(RC_CFLAGS) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(B)/lib/librc.a \
		$$(LDLIBS_rc-$(1)) $$(LDLIBS_ALL) $$(LDLIBS)
$(patsubst %.c,$(B)/%.o,$(wildcard bin/$(1)/*.c)): $(wildcard bin/$(1)/*.h)
endef
$(foreach t,$(TOOLDIRS),$(eval $(call dir_tool,$(t))))

$(B)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(B)/lib/librc.a
	@mkdir -p $(dir $@)
	$(CC) $(RC_CFLAGS) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(B)/lib/librc.a \
		$(LDLIBS_ALL) $(LDLIBS)

# Test helpers built from tests/cli/*.c: programs the shell tests drive.
PROBESRC = $(sort $(wildcard tests/cli/*.c))
PROBES   = $(patsubst %.c,$(B)/%,$(PROBESRC))
$(B)/tests/cli/%: tests/cli/%.c $(B)/lib/librc.a
	@mkdir -p $(dir $@)
	$(CC) $(RC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/librc.a \
		$(LDLIBS_ALL) $(LDLIBS)

# What a fresh Debian/Ubuntu machine needs.  Installs it when we are root,
# else stops with the command to run.
DEB_PKGS = libhiredis-dev libedit-dev redis-server redis-tools mandoc bc \
	shellcheck clang libclang-rt-dev tmux perl gcc make zsh nftables iproute2 util-linux
# Valkey 8.0 comes from Debian's backports suite (added to apt's sources when
# missing); the suite runs on Redis 7.0 and on Valkey 8.0 (RC_SERVER).
DEB_BACKPORTS = valkey-server valkey-tools
deps:
	@sh tools/deps.sh $(DEB_PKGS)
	@sh tools/deps.sh --backports $(DEB_BACKPORTS)

# ---- tests ---------------------------------------------------------------
# Every CLI test runs on both servers: on Redis 7.0 with the normal build, and
# on Valkey 8.0 with the sanitizer build, so each server and each build sees
# every test once (CHECK_SERVERS swaps them: `make check CHECK_SERVERS="valkey
# redis"`).  The two passes run side by side, each in a network namespace of
# its own (tools/both.sh; one after the other without root): the tests wait on
# clusters far more than they compute, and so the whole stays within CI's time.
CHECK_SERVERS ?= redis valkey
# The builds use every core.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	$(MAKE) -j$(BUILD_JOBS) WERROR=1 all units probes
	$(MAKE) unit lint
	$(MAKE) -j$(BUILD_JOBS) asan-build
	$(MAKE) asan-unit
	sh tools/both.sh "cli-$(word 1,$(CHECK_SERVERS))" \
		"$(MAKE) --no-print-directory cli RC_SERVER=$(word 1,$(CHECK_SERVERS))" \
		"asan-cli-$(word 2,$(CHECK_SERVERS))" \
		"$(MAKE) --no-print-directory asan-cli RC_SERVER=$(word 2,$(CHECK_SERVERS))"
	$(MAKE) -j$(BUILD_JOBS) fuzz FUZZ_SECONDS=10
	$(MAKE) hiredis1
	@echo "make check: all passed (CLI on $(word 1,$(CHECK_SERVERS)), sanitizers on $(word 2,$(CHECK_SERVERS)))"

test: check

units: $(UNITS)
probes: $(PROBES)

unit: units
	prove -e '' $(UNITS)

# CLI tests run the real binaries against real clusters they start themselves.
# PROVE_JOBS: how many test files run at once (each has its own ports).
# RC_SERVER=redis|valkey: the server they run on (tests/cli/lib.sh).
PROVE_JOBS ?= 3
RC_SERVER ?= redis
export RC_SERVER
# The files that take longest go first: prove -j starts them in the order
# given, and one that started last would keep the run going on its own.
SLOW_TESTS = tests/cli/dist-labs.t tests/cli/series-labs.t tests/cli/reshard-kill.t tests/cli/failover-labs.t \
	tests/cli/reshard.t tests/cli/partition.t tests/cli/failover-labs2.t \
	tests/cli/cluster-auth.t tests/cli/hotkey.t tests/cli/hotkey-labs.t
CLI_TESTS = $(SLOW_TESTS) $(filter-out $(SLOW_TESTS),$(sort $(wildcard tests/cli/*.t)))
cli: all $(PROBES)
	@echo "cli: the CLI tests on $(RC_SERVER)"
	RC_BIN=$(CURDIR)/$(B)/bin RC_PROBES=$(CURDIR)/$(B)/tests/cli prove --timer -j$(PROVE_JOBS) $(CLI_TESTS)

# hiredis 1.x: Debian 12 ships hiredis 0.14, and the code must build and run
# on 1.x too.  Debian's backports suite has hiredict 1.3 (hiredis 1.x under a
# new name) with hiredis-compatible headers, which would replace 0.14's if
# installed: tools/deps.sh unpacks them into build/hiredis1 instead.  The
# tools are built against them with warnings as errors, the unit tests run,
# and the CLI tests that lean on the client most (routing and redirects,
# timeouts and a paused node, auth and ACL errors, the REPL, scripts, the
# migration engine, a failover).  The whole CLI suite passes on it too
# (`make hiredis1 HIREDIS1_TESTS="$(ls tests/cli/*.t)"`).
HIREDIS1 = $(CURDIR)/build/hiredis1
HIREDIS1_MAKE = B=build/hiredis1 WERROR=1 CFLAGS="-isystem $(HIREDIS1)/include" \
	LDLIBS_ALL="-L$(HIREDIS1)/lib -Wl,-rpath,$(HIREDIS1)/lib -lhiredict -lm -lpthread"
HIREDIS1_TESTS = tests/cli/seats.t tests/cli/failover.t tests/cli/repl.t tests/cli/route.t \
	tests/cli/dist.t tests/cli/errors-timeout.t tests/cli/errors-acl.t tests/cli/reshard-fix.t \
	tests/cli/output-lost.t tests/cli/reshard-paused.t tests/cli/repl-tty.t
hiredis1:
	sh tools/deps.sh --unpack build/hiredis1 libhiredict-shims-dev
	$(MAKE) -j$(BUILD_JOBS) $(HIREDIS1_MAKE) all units probes
	prove -e '' $(patsubst $(B)/%,build/hiredis1/%,$(UNITS))
	@echo "hiredis1: CLI tests on $(RC_SERVER), the tools built on hiredis 1.x"
	RC_BIN=$(CURDIR)/build/hiredis1/bin RC_PROBES=$(CURDIR)/build/hiredis1/tests/cli \
		prove --timer -j$(PROVE_JOBS) $(HIREDIS1_TESTS)

lint: man-lint shellcheck

man-lint:
	mandoc -Tlint -W warning man/man1/*.1 man/man7/*.7

SHELL_SCRIPTS = labs/cluster $(wildcard labs/*.sh) tests/cli/lib.sh tests/cli/keys.sh \
	$(wildcard tests/cli/*.t) $(wildcard tests/bench/*.sh) .ci/run \
	tools/deps.sh tools/embed.sh tools/completion.sh tools/both.sh \
	completion/generic.bash $(wildcard completion/parts/*.bash)
shellcheck:
	shellcheck -S warning -x $(SHELL_SCRIPTS)

# The whole unit and CLI suite again under AddressSanitizer and UBSan.
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan: asan-build asan-unit asan-cli
asan-build:
	$(MAKE) B=build/asan WERROR=1 CFLAGS="$(ASAN_FLAGS) -O1" \
		LDFLAGS="$(ASAN_FLAGS)" all units probes
asan-unit: asan-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		prove -e '' $(patsubst $(B)/%,build/asan/%,$(UNITS))
# The sanitized pass's own (its tools are slower: it may want more).
ASAN_PROVE_JOBS ?= $(PROVE_JOBS)
asan-cli: asan-build
	@echo "asan: the CLI tests on $(RC_SERVER), sanitized"
	ASAN_OPTIONS=detect_leaks=0 RC_BIN=$(CURDIR)/build/asan/bin \
		RC_PROBES=$(CURDIR)/build/asan/tests/cli \
		prove --timer -j$(ASAN_PROVE_JOBS) $(CLI_TESTS)

# libFuzzer targets, each run for FUZZ_SECONDS.  The library is compiled for
# them once (instrumented, no main), each target then links against it.
FUZZ_SECONDS ?= 20
FUZZSRC = $(sort $(wildcard tests/fuzz/*.c))
FUZZ_SAN = address,undefined
FUZZ_OBJS = $(patsubst lib/%.c,build/fuzz/obj/%.o,$(LIBSRC)) build/fuzz/obj/fuzz-lua.o
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZSRC))
# (kept: not intermediate files make would delete after linking)
.SECONDARY: $(FUZZ_OBJS)
FUZZ_COMPILE = @mkdir -p $(dir $@) && clang -g -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -Ilib -c -o $@ $<
build/fuzz/obj/%.o: lib/%.c $(wildcard lib/*.h)
	$(FUZZ_COMPILE)
build/fuzz/obj/fuzz-lua.o: build/fuzz-lua.c
	$(FUZZ_COMPILE)
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	clang -g -O1 -fsanitize=fuzzer,$(FUZZ_SAN) -Ilib -o $@ $< $(FUZZ_OBJS) -lhiredis
fuzz: $(FUZZ_BINS)
	@for n in $(patsubst build/fuzz/%,%,$(FUZZ_BINS)); do \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		mkdir -p build/fuzz/corpus-$$n; \
		./build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			build/fuzz/corpus-$$n tests/fuzz/seeds-$$n 2>&1 | tail -n 3 || exit 1; \
	done
fuzz: build/fuzz-lua.c
build/fuzz-lua.c: $(LUASRC) tools/embed.sh
	@mkdir -p build
	sh tools/embed.sh $(LUASRC) > $@

# The bench prices rc-reshard's change lease and re-checks against the same
# tool built without them (RC_BENCH_UNGUARDED: never installed, bench only).
unguarded:
	$(MAKE) B=build/unguarded CFLAGS="$(CFLAGS) -DRC_BENCH_UNGUARDED" build/unguarded/bin/rc-reshard

# The benches also need node and npm (the npm package rc-slot is compared with).
bench: deps all probes unguarded
	@command -v node >/dev/null && command -v npm >/dev/null || sh tools/deps.sh nodejs npm
	sh tests/bench/run.sh

demo: deps all
	labs/cluster up
	bash labs/00-tour.sh

# ---- install ---------------------------------------------------------------
MAN1 = $(wildcard man/man1/*.1)
MAN7 = $(wildcard man/man7/*.7)
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for t in $(TOOLS); do install -m 755 $$t $(DESTDIR)$(BINDIR)/; done
	install -m 755 labs/cluster $(DESTDIR)$(BINDIR)/rc-cluster
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in $(MAN7); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	install -m 644 completion/rc-tools.bash $(DESTDIR)$(BASHCOMPDIR)/rc-tools
	for t in $(notdir $(TOOLS)) rc-cluster; do \
		ln -sf rc-tools $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	install -m 644 completion/_rc-tools $(DESTDIR)$(ZSHCOMPDIR)/_rc-tools
	@echo "Completion: bash with the bash-completion package and zsh with this"
	@echo "directory in fpath load it by themselves; otherwise add one line:"
	@echo "  bash, to ~/.bashrc: source $(BASHCOMPDIR)/rc-tools"
	@echo "  zsh, to ~/.zshrc:   fpath+=($(ZSHCOMPDIR)); autoload -Uz compinit && compinit"

uninstall:
	for t in $(notdir $(TOOLS)) rc-cluster; do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	for m in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	for m in $(notdir $(MAN7)); do rm -f $(DESTDIR)$(MANDIR)/man7/$$m; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/rc-tools $(DESTDIR)$(ZSHCOMPDIR)/_rc-tools

clean:
	rm -f lib/*.o lib/librc.a lib/lua.c bin/*/*.o $(TOOLS) $(UNITS) $(PROBES)
	rm -rf build
