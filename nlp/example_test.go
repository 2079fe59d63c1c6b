package nlp_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/nlp"
)

func ExampleNormalize() {
	fmt.Println(nlp.Normalize("گاعد يحچي عن دا_عش!!!"))
	fmt.Println(nlp.Normalize("shlonak 7abibi"))
	fmt.Println(nlp.Normalize("د ا ع ش"))
	// Output:
	// قاعد يحكي عن داعش!
	// شلونك حبيبي
	// داعش
}

func ExampleNormalizer_NormalizeWithOffsets() {
	r := nlp.NormalizeWithOffsets("قالوا: الموت لـلخـونة")
	// Highlight the normalised word للخونه on the original text.
	start := len("قالوا: الموت ")
	a, b := r.OriginalRange(start, len(r.Text))
	fmt.Println(r.Text)
	fmt.Println(r.Original[a:b])
	fmt.Println(r.Steps)
	// Output:
	// قالوا: الموت للخونه
	// لـلخـونة
	// [tatweel teh-marbuta]
}

func ExampleNormalizer_Explain() {
	r := nlp.New(nlp.DefaultOptions()).Explain("شكو ماكو؟ wallah گاعد")
	fmt.Printf("%+v\n", r.Script)
	fmt.Println(r.Markers)
	// Output:
	// {Arabic:3 Latin:0 Arabizi:1 Kurdish:0 Other:0}
	// [شكو ماكو گاعد]
}

func ExampleNew() {
	index := nlp.New(nlp.Options{KeepHashtags: true, KeepIraqiLetters: true})
	fmt.Println(index.Normalize("#گاعد_يصور"))
	// Output:
	// #گاعد_يصور
}

func ExampleTokenize() {
	for _, t := range nlp.Tokenize(nlp.Normalize("@User شوف https://t.co/x 😂 #العراق 2024")) {
		fmt.Println(t.Kind, t.Text)
	}
	// Output:
	// mention @user
	// word شوف
	// url https://t.co/x
	// emoji 😂
	// word العراق
	// number 2024
}

func ExampleModelTokens() {
	fmt.Println(nlp.ModelTokens("@user شوف https://t.co/x"))
	// Output:
	// [<user> شوف <url>]
}

func ExampleDialectMarkers() {
	fmt.Println(nlp.DialectMarkers("شلونك؟ شكو ماكو"))
	// Output:
	// [شلونك شكو ماكو]
}
