# passagent — build, run, test, bench.
# `make` builds build/passagent; `make run` and `make test` first install what is missing.

PKGS     := libmicrohttpd jansson libsodium sqlite3 libpq libcurl libcrypto libargon2
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wundef
CSTD     := -std=c11 -D_GNU_SOURCE
INC      := -Isrc

# Build flavours: normal (gcc, hardened), asan (clang, ASan+UBSan), fuzz (clang, libFuzzer).
FLAVOUR  ?= normal
ifeq ($(FLAVOUR),normal)
  CC       := gcc
  BUILD    := build
  OPT      := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
  LDEXTRA  := -pie -Wl,-z,relro,-z,now
else ifeq ($(FLAVOUR),asan)
  CC       := clang
  BUILD    := build-asan
  OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
  LDEXTRA  := -fsanitize=address,undefined
else ifeq ($(FLAVOUR),fuzz)
  CC       := clang
  BUILD    := build-fuzz
  OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link \
              -DPASSAGENT_FUZZING
  LDEXTRA  := -fsanitize=address,undefined,fuzzer
endif

CFLAGS   := $(CSTD) $(WARN) $(OPT) $(INC) $(PKG_CFLAGS)

LIB_SRC  := $(sort $(shell find src -name '*.c' ! -path src/main.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all deps run demo test bench unit fuzz clean format lint asan
all: $(BUILD)/passagent

deps:
	@scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libpassagent.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/passagent: $(BUILD)/src/main.o $(BUILD)/libpassagent.a
	$(CC) $(LDEXTRA) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpassagent.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDEXTRA) -o $@ $< $(BUILD)/libpassagent.a $(PKG_LIBS) -lcmocka

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libpassagent.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDEXTRA) -o $@ $< $(BUILD)/libpassagent.a $(PKG_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libpassagent.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDEXTRA) -o $@ $< $(BUILD)/libpassagent.a $(PKG_LIBS)

unit: $(UNIT_BIN)
fuzz: $(FUZZ_BIN)

run: deps
	@$(MAKE) --no-print-directory all
	PASSAGENT_LISTEN=$${PASSAGENT_LISTEN:-127.0.0.1:3000} PASSAGENT_DATA_DIR=$${PASSAGENT_DATA_DIR:-./data} \
	  ./build/passagent serve

# The dashboard with local stand-ins for every provider and a Dovecot mailbox.
demo: deps
	@$(MAKE) --no-print-directory all
	@node scripts/demo.mjs

test: deps
	@scripts/run-tests.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/bench_csv
	@bench/bench.sh

format:
	clang-format -i $$(find src tests/unit tests/fuzz -name '*.[ch]')

# ctuuninitvar: store lookups fill their out-parameter from a row callback,
# which cppcheck's cross-file analysis cannot follow (every hit was that).
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr -Isrc --suppress=missingIncludeSystem --suppress=ctuuninitvar src

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d
