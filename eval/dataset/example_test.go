package dataset_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/eval/dataset"
)

func ExampleParse() {
	osact := "يا حقير<LF>اسكت\tOFF\tNOT_HS\nصباح الخير\tNOT_OFF\tNOT_HS\n"
	m, _ := dataset.ParseMap("OFF=offensive,NOT_OFF=,HS=hate,NOT_HS=")
	d, err := dataset.Parse([]byte(osact), dataset.Options{Format: dataset.TSV, TextCol: "1",
		LabelCols: []string{"2", "3"}, Map: m, NewlineToken: "<LF>"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range d.Items {
		fmt.Printf("%s %q %v\n", it.ID, it.Text, it.Labels)
	}
	// Output:
	// line-1 "يا حقير\nاسكت" [offensive]
	// line-2 "صباح الخير" []
}
