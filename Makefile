# The two quick-start commands: `make run` opens the studio, `make test` runs the tests.
# Both install the system packages a fresh Debian/Ubuntu machine lacks first.
.PHONY: run test setup

# rustup's toolchain, when setup installed it.
export PATH := $(HOME)/.cargo/bin:$(PATH)

setup:
	@bash scripts/setup.sh

run: setup
	cargo run --release

test: setup
	cargo test
