# Convenience wrappers; the README's commands call packaging/bootstrap.sh directly (no make needed).
.PHONY: run test deps demo bench lint
run:
	bash packaging/bootstrap.sh run
test:
	bash packaging/bootstrap.sh test
deps:
	bash packaging/bootstrap.sh deps
demo: deps
	.venv/bin/python -m replaylens.demo.generate --out resources/samples
bench: deps
	for b in tests/bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
