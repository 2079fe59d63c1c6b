package models

import (
	"fmt"
	"log/slog"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	ortOnce sync.Once
	ortErr  error
	ortPath string
)

// initORT loads the ONNX Runtime library once per process. Later calls with
// a different path keep the first library (a process can load only one).
// ONNX Runtime's own log is limited to fatal messages: every failure also
// comes back as an error, which Rasd reports in its own words (for example
// the single warning of a CUDA fallback).
func initORT(lib string, log *slog.Logger) error {
	ortOnce.Do(func() {
		ortPath = lib
		if ort.IsInitialized() {
			return
		}
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
			ortErr = fmt.Errorf("initialising onnx runtime from %s: %w", lib, err)
		}
	})
	if ortErr == nil && lib != ortPath && ortPath != "" {
		log.Warn("onnx runtime already loaded from another path; keeping it", "loaded", ortPath, "requested", lib)
	}
	return ortErr
}

// newSession opens one ONNX Runtime session on the model bytes. With
// device "cuda" it appends the CUDA provider; when that fails, or the
// session cannot be created with it (the provider loads the CUDA libraries
// then), it reports cudaErr and opens a CPU session instead.
func newSession(onnx []byte, device string, threads int, inputs, outputs []string) (s *ort.DynamicAdvancedSession, cudaErr error, err error) {
	if device == "cuda" {
		s, err := openSession(onnx, true, threads, inputs, outputs)
		if err == nil {
			return s, nil, nil
		}
		cudaErr = err
	}
	s, err = openSession(onnx, false, threads, inputs, outputs)
	return s, cudaErr, err
}

// openSession opens one session with the given input and output names,
// with the CUDA provider first when cuda is set.
func openSession(onnx []byte, cuda bool, threads int, inputs, outputs []string) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("creating session options: %w", err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("setting threads: %w", err)
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("setting threads: %w", err)
	}
	if cuda {
		if err := appendCUDA(so); err != nil {
			return nil, fmt.Errorf("adding the GPU execution provider: %w", err)
		}
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(onnx, inputs, outputs, so)
	if err != nil {
		return nil, fmt.Errorf("creating onnx runtime session: %w", err)
	}
	return s, nil
}

func appendCUDA(so *ort.SessionOptions) error {
	co, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer co.Destroy()
	return so.AppendExecutionProviderCUDA(co)
}
