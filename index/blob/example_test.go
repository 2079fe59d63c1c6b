package blob_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rasd-iq/rasd/index/blob"
)

func ExampleDir() {
	data, _ := os.MkdirTemp("", "rasd-data")
	defer os.RemoveAll(data)
	store, err := blob.OpenDir(filepath.Join(data, blob.DirName))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	info, err := store.Put(ctx, strings.NewReader("the bytes of a photo"), 20<<20)
	if err != nil {
		panic(err)
	}
	fmt.Println(info.SHA256, info.Size)
	again, _ := store.Put(ctx, strings.NewReader("the bytes of a photo"), 20<<20)
	fmt.Println("stored before:", again.Existed)
	_, err = store.Put(ctx, strings.NewReader("a longer stream than allowed"), 10)
	fmt.Println(errors.Is(err, blob.ErrTooLarge))
	_, err = store.Open(ctx, "../../etc/passwd")
	fmt.Println(errors.Is(err, blob.ErrBadKey))
	// Output:
	// c1fb0fd6caaad59bd2116508399b6f31a4201a029d2da112ee50f31b00122b21 20
	// stored before: true
	// true
	// true
}
