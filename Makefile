# Top-level Makefile: builds every part that exists, runs every test,
# installs, benchmarks. See README.md.
PARTS := core cli runtime postgres mariadb
EXISTING := $(foreach p,$(PARTS),$(if $(wildcard $(p)/Makefile),$(p)))

.PHONY: all check check-deb deb install bench demo demo-mariadb fuzz soak clean $(EXISTING)
all: $(EXISTING)
core:
	$(MAKE) -C core
cli runtime postgres mariadb: core
	$(MAKE) -C $@
cli: runtime

check:
	scripts/check

# Every part that installs something (runtime/ is linked into the CLI), the
# PostgreSQL extension included (its install target comes from PGXS).
# DESTDIR stages; PREFIX (/usr/local) places the library, header, .pc, the
# command and its man page; the extension goes where pg_config says and the
# MariaDB plugin into the server's plugin_dir.
INSTALL_PARTS := $(filter core cli postgres mariadb,$(EXISTING))
install: all
	@for p in $(INSTALL_PARTS); do $(MAKE) -C $$p install || exit 1; done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# Debian packages into build/deb (packaging/build-deb), and their test:
# build, lintian, install, use, purge (packaging/check-deb).
deb:
	packaging/build-deb

check-deb:
	packaging/check-deb

bench: all
	bench/run

# The chaos soak with an exact ledger (docs/reliability.md): SOAK_SECONDS
# (120), SOAK_SEED (printed at the start) replays a schedule.
soak: all
	soak/run

# libFuzzer targets (fuzz/Makefile), FUZZ_SECONDS each (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) -C fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# The demos do their own set-up (scripts/setup) and build first.
demo:
	scripts/demo

demo-mariadb:
	scripts/demo mariadb

clean:
	@for p in $(EXISTING); do $(MAKE) -C $$p clean; done
