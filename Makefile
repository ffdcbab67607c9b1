# Top-level Makefile: builds every part that exists, runs every test,
# installs, benchmarks. See README.md.
PARTS := core cli runtime postgres mariadb
EXISTING := $(foreach p,$(PARTS),$(if $(wildcard $(p)/Makefile),$(p)))

.PHONY: all check install bench demo demo-mariadb fuzz clean $(EXISTING)
all: $(EXISTING)
core:
	$(MAKE) -C core
cli runtime postgres mariadb: core
	$(MAKE) -C $@
cli: runtime

check:
	scripts/check

install: all
	@for p in $(EXISTING); do if grep -q '^install:' $$p/Makefile; then $(MAKE) -C $$p install || exit 1; fi; done

bench: all
	bench/run

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
