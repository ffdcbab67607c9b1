# mk/flags.mk — compiler flags shared by every C part (C11, warnings as errors).
CC ?= cc
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
OPT ?= -O2 -g
SAN ?=
CFLAGS_COMMON := $(CSTD) $(WARN) $(OPT) -fPIC $(SAN)
DEPS_CFLAGS := $(shell pkg-config --cflags libcurl jansson openssl 2>/dev/null)
DEPS_LIBS := $(shell pkg-config --libs libcurl jansson libcrypto 2>/dev/null) -lpthread
