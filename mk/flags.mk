# mk/flags.mk — compiler flags shared by every C part (C11, warnings as errors).
CC ?= cc
# The project's one version number is the top-level file VERSION: every C
# part gets it as SQLAMBDA_VERSION (core/include/sqlambda.h; core's
# `make install` writes it into the installed header).
VERSION_FILE := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../VERSION)
SQLAMBDA_VERSION := $(shell cat $(VERSION_FILE) 2>/dev/null)
ifeq ($(SQLAMBDA_VERSION),)
$(error $(VERSION_FILE) is missing or empty: it holds the project's version)
endif
VERSION_DEF := -DSQLAMBDA_VERSION='"$(SQLAMBDA_VERSION)"'
CSTD := -std=c11 -D_GNU_SOURCE $(VERSION_DEF)
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
OPT ?= -O2 -g
SAN ?=
CFLAGS_COMMON := $(CSTD) $(WARN) $(OPT) -fPIC $(SAN)
DEPS_CFLAGS := $(shell pkg-config --cflags libcurl jansson openssl 2>/dev/null)
DEPS_LIBS := $(shell pkg-config --libs libcurl jansson libcrypto 2>/dev/null) -lpthread
