# Rasd — make targets. The two a new user needs: `make run` and `make test`.
# Every target installs what it needs through scripts/ (nothing by hand).

GO        ?= go
BIN       := bin/rasd
ORT_LIB   := $(CURDIR)/.cache/onnxruntime/libonnxruntime.so.1
DATASETS  ?= $(CURDIR)/../shared/datasets
export RASD_ORT_LIB ?= $(ORT_LIB)

.PHONY: media-tools all build run test test-short deps ort ort-gpu gpu-check debian model bench fmt vet clean vulncheck

all: build

## build: compile the rasd binary into bin/rasd
build:
	$(GO) build -o $(BIN) ./cmd/rasd

## ort: install the ONNX Runtime shared library into .cache/onnxruntime
ort: $(ORT_LIB)
$(ORT_LIB):
	bash scripts/setup-ort.sh

## ort-gpu: install the CUDA-capable ONNX Runtime 1.29 into .cache/onnxruntime-gpu (see scripts/setup-ort.sh)
ort-gpu:
	bash scripts/setup-ort.sh --gpu

## gpu-check: on a GPU machine, score the same posts on the CPU and on CUDA; posts/s and largest difference
gpu-check:
	bash scripts/gpu-check

## debian: install redis-server, chromium and the media tools from Debian if missing (tests use them)
debian: media-tools
	bash scripts/setup-debian.sh redis-server chromium pango-view=pango1.0-tools

## media-tools: Arabic OCR (tesseract) and video keyframes (ffmpeg) for the media stage
media-tools:
	bash scripts/setup-debian.sh ffmpeg tesseract=tesseract-ocr /usr/share/tesseract-ocr/5/tessdata/ara.traineddata=tesseract-ocr-ara

deps: ort debian

## run: the main job on the bundled sample data, embedded default, nothing to configure
run: ort media-tools build
	bash scripts/run-sample.sh

## test: every test (installs ONNX Runtime, redis-server, chromium and ffmpeg first);
## tests that need those servers fail rather than skip here
test: deps
	$(GO) vet ./...
	RASD_TEST_REQUIRE_SERVERS=1 $(GO) test -count=1 -timeout 60m ./...

## model: retrain the committed default model from ../shared/datasets (+ the Iraqi gold set)
model: ort build
	bash scripts/train-default.sh

## bench: Go benchmarks of the hot paths, then the end-to-end pipeline benchmark
bench: ort
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2x ./...
	bash scripts/bench-pipeline

## vulncheck: known vulnerabilities in the code and its dependencies (govulncheck; needs vuln.go.dev
## or GOVULNDB=file:///mirror; warns and checks nothing when the database cannot be reached)
vulncheck:
	bash scripts/govulncheck

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin rasd-data
